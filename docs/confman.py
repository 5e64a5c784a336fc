#!/usr/bin/env python3
"""Writes onair.conf(5) from configs/studio.conf, the example that has
every key onaird --dump-config prints (tests/docs.sh holds it to that):
each section and key with its default (or, for a key left unset, the
example) and the comment written above it. The page is not edited by
hand: tests/docs.sh fails when it differs from what this prints.

Usage: python3 docs/confman.py configs/studio.conf > docs/onair.conf.5
"""
import re
import sys

VERSION = "0.1.0"


def roff(text):
    """Text for a roff line: backslashes and a leading dot or quote escaped,
    and every character past ASCII as groff's \\[uXXXX], so the page reads
    the same whatever the reader's locale (and lintian's man finds nothing
    to say)."""
    text = text.replace("\\", "\\e")
    if text[:1] in (".", "'"):
        text = "\\&" + text
    return "".join(c if ord(c) < 128 else f"\\[u{ord(c):04X}]" for c in text)


def literal(text):
    """A value or key, set as written: hyphens are hyphens, not minus."""
    return roff(text).replace("-", "\\-")


def parse(path):
    """The example's opening note, and its sections: each a name, what the
    comment above it says, and its keys in groups that share a note (each
    key's name, value, and whether it is set or only shown)."""
    with open(path, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f]
    intro, i = [], 0
    while i < len(lines) and lines[i].startswith(";"):
        intro.append(lines[i][1:].strip())
        i += 1
    sections, section, comment = [], None, []
    for line in lines[i:]:
        stripped = line.strip()
        header = re.fullmatch(r";?\[([a-z_]+(?:\.[A-Za-z0-9_]+)?)\]", stripped)
        key = re.fullmatch(r"(;?)([a-z_]+) *= *(.*)", stripped)
        if not stripped:
            # A note before a section's header stays for it; a blank line
            # after keys ends the note of what follows.
            if section is not None and section["groups"]:
                comment = []
            continue
        if header:
            name = re.sub(r"\.[A-Za-z0-9_]+$", ".NAME", header.group(1))
            section = {"name": name, "about": comment, "groups": [], "example": stripped.startswith(";")}
            sections.append(section)
            comment = []
        elif key and section is not None:
            entry = {"name": key.group(2), "value": key.group(3), "shown": key.group(1) == ";"}
            # A key without a note of its own shares the one above it
            # (wrapup and danger, the looks, heartbeat and lease).
            if comment or not section["groups"]:
                section["groups"].append({"keys": [entry], "about": comment})
            else:
                section["groups"][-1]["keys"].append(entry)
            comment = []
        elif stripped.startswith(";"):
            comment.append(stripped[1:].strip())
    return intro, sections


def page(intro, sections):
    out = [f'.TH ONAIR.CONF 5 "" "onair {VERSION}" "File formats"',
           ".SH NAME",
           "onair.conf \\- the configuration of onaird, the studio's lamps, countdown and show",
           ".SH SYNOPSIS",
           ".I /etc/onair/onair.conf",
           ".SH DESCRIPTION",
           "An INI file: a",
           ".B [section]",
           "line, then",
           ".I key",
           "=",
           ".I value",
           "lines; a line starting with",
           ".B ;",
           "or",
           ".B #",
           "is a comment.",
           "Sections with a name,",
           ".BR [device. NAME ],",
           ".BR [source. NAME ],",
           ".BR [output. NAME ]",
           "and",
           ".BR [alert. NAME ],",
           "may be written more than once.",
           "Every problem is named as",
           ".IR path : line",
           "by",
           ".BR onaird\\ \\-\\-check ;",
           ".B onaird \\-\\-dump\\-config",
           "prints the configuration in effect with every default filled in.",
           ".PP"]
    for line in intro:
        out.append(roff(line))
    out.append(".PP")
    out.append("Below, each key with its default; a key shown as")
    out.append(".I example")
    out.append("is unset by default.")
    for s in sections:
        out.append(f".SS [{literal(s['name'])}]")
        for line in s["about"]:
            out.append(roff(line))
        for g in s["groups"]:
            for n, k in enumerate(g["keys"]):
                out.append(".TQ" if n else ".TP")
                name, value = literal(k["name"]), literal(k["value"])
                if (k["shown"] or s["example"]) and value:
                    out.append(f'.BI "{name} = " "{value}" " (example)"')
                elif value:
                    out.append(f'.B "{name} = {value}"')
                else:
                    out.append(f'.BR "{name} = " "(empty)"')
            out += [roff(line) for line in g["about"]] or ["\\&"]
    out += [".SH FILES",
            ".TP",
            ".I /etc/onair/onair.conf",
            "the configuration the service reads",
            ".TP",
            ".I /usr/share/doc/onair/examples/",
            "a whole studio, a floor, the MQTT broker, its ACL and bridge",
            ".SH SEE ALSO",
            ".BR onaird (8),",
            ".BR onairctl (1)"]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    intro, sections = parse(sys.argv[1] if len(sys.argv) > 1 else "configs/studio.conf")
    sys.stdout.write(page(intro, sections))
