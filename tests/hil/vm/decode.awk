# Decode display frames from the gpio:gpio_value tracepoint, independently
# of the driver's code: what a TM1637 or MAX7219 on those lines received.
# Variables: proto=tm1637 (clk=, dio=) or max7219 (din=, clk=, load=), as
# global GPIO numbers. Prints one line per transaction or word:
#   tm1637: "T 40", "T C0 3F 86 4F 66", "T 8F"
#   max7219: "W 0C 01" (register, data)
function hex(v) { return sprintf("%02X", v) }
BEGIN { lc = 1; ld = 1; ll = 1; in_frame = 0 }
/gpio_value: [0-9]+ set [01]/ {
	for (i = 1; i <= NF; i++) if ($i == "gpio_value:") { n = $(i + 1) + 0; v = $(i + 3) + 0 }
	if (proto == "tm1637") {
		if (n == dio) {
			if (lc == 1 && ld == 1 && v == 0) { in_frame = 1; bits = 0; byte = 0; weight = 1; line = "T" }
			else if (lc == 1 && ld == 0 && v == 1 && in_frame) { print line; in_frame = 0 }
			ld = v
		} else if (n == clk) {
			if (lc == 0 && v == 1 && in_frame) {
				if (bits < 8) { byte += ld * weight; weight *= 2; bits++ }
				else { line = line " " hex(byte); bits = 0; byte = 0; weight = 1 }
			}
			lc = v
		}
	} else {
		if (n == load) {
			if (ll == 0 && v == 1) print "W " hex(int(word / 256) % 16) " " hex(word % 256)
			if (ll == 1 && v == 0) word = 0
			ll = v
		} else if (n == clk) {
			if (lc == 0 && v == 1 && ll == 0) word = (word * 2 + ld) % 65536
			lc = v
		} else if (n == din) {
			ld = v
		}
	}
}
