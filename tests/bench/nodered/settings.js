// Node-RED as a Raspberry Pi user would run it for the bench's comparison:
// the stock runtime with its editor, only bound to loopback on the port the
// bench chose, no telemetry (no network here), and info logs on stdout
// because the follower's "output" is its debug node printing to the console.
module.exports = {
    uiHost: "127.0.0.1",
    uiPort: parseInt(process.env.NODE_RED_PORT || "1880", 10),
    flowFile: "flows.json",
    credentialSecret: false,
    telemetry: { enabled: false },
    diagnostics: { enabled: false, ui: false },
    logging: { console: { level: "info", metrics: false, audit: false } },
    editorTheme: { tours: false },
};
