// The bench's Node-RED, tuned: the same settings, with TCP_NODELAY forced
// on every socket it opens. MQTT.js (Node-RED's MQTT client) has no option
// for it, so Nagle's algorithm with the broker's delayed ACKs holds small
// messages back; this is the fix a user would have to patch in by hand.
const net = require("net");
const connect = net.createConnection;
net.createConnection = net.connect = function (...args) {
    const socket = connect.apply(this, args);
    socket.setNoDelay(true);
    return socket;
};
module.exports = require("./settings.js");
