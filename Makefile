# onair: plain Makefile. PREFIX, DESTDIR, SYSCONFDIR and CC may be overridden.
# Builds go to $(BUILD); "make check" is the fast loop (minutes), "make
# check-all" builds warning-free (-Werror) with gcc and clang and runs every
# test, plain and under AddressSanitizer + UndefinedBehaviorSanitizer (gcc's
# and clang's, fatal), then a short run of every fuzzer.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
SYSCONFDIR ?= /etc
UNITDIR ?= /lib/systemd/system
UDEVDIR ?= /usr/lib/udev
DATADIR ?= $(PREFIX)/share
DESTDIR ?=
BUILD ?= build
CC ?= cc
CLANG ?= clang
FUZZ_SECONDS ?= 60

# A cross build (debian/rules for arm64) sets PKG_CONFIG and CC.
PKG_CONFIG ?= pkg-config
PKGS := inih libcjson libgpiod libusb-1.0 libmosquitto alsa libmicrohttpd nettle expat libebur128 libcurl
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS))
# libmosquitto is loaded when a config uses MQTT (daemon/mqtt/mosq.c), libcurl
# when a floor has a robot to send to (daemon/floor/alerts.c): not linked.
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(filter-out libmosquitto libcurl,$(PKGS))) -lm -pthread

# The GPIO backend follows the installed libgpiod: 1.x (Debian 12,
# Raspberry Pi OS bookworm) or 2.x (Debian 13 trixie, today's Raspberry Pi
# OS, bookworm-backports). Both sit behind drivers/gpioline.h.
GPIOD_MAJOR := $(firstword $(subst ., ,$(shell $(PKG_CONFIG) --modversion libgpiod)))
GPIOLINE := drivers/gpioline_gpiod$(if $(filter 1,$(GPIOD_MAJOR)),1,2).c

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
	-Wpointer-arith -Wundef -Wvla -Wnull-dereference
# Bounded snprintf into fixed buffers truncates on purpose; gcc's guess at
# what might not fit is noise at -O2 and would break -Werror builds.
ifeq ($(findstring clang,$(shell $(CC) --version 2>/dev/null)),)
WARN += -Wno-format-truncation
endif
CFLAGS ?= -O2 -g
ifeq ($(WERROR),1)
WARN += -Werror
endif
ifeq ($(SAN),1)
CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
ALL_CFLAGS := -std=gnu11 $(WARN) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -DSYSCONFDIR=\"$(SYSCONFDIR)\" -DDATADIR=\"$(DATADIR)\" -MMD -MP

# Three layers, each a folder; a file includes only its own layer or the
# ones below it: core/ (pure logic and small helpers) < drivers/ (hardware
# and devices) < daemon/ (the composition). daemon/ is in rooms, each a
# folder with its own order (tests/layers.sh names it and checks every
# include); its top holds only main, onairctl and the command door.
CORE_SRC := $(sort $(wildcard core/*.c))
DRIVER_SRC := drivers/drivers.c drivers/console.c drivers/input.c drivers/gpio.c \
	$(GPIOLINE) drivers/gpioline_names.c drivers/sevenseg.c drivers/display.c drivers/tm1637.c \
	drivers/max7219.c drivers/usbhost.c drivers/pedalreport.c drivers/pedal.c drivers/blink1.c \
	drivers/hidrelay.c drivers/audio_alsa.c
DAEMON_SRC := $(sort $(wildcard daemon/*/*.c)) daemon/replies.c
CORE := $(CORE_SRC) $(DRIVER_SRC) $(DAEMON_SRC)
CORE_OBJ := $(CORE:%.c=$(BUILD)/%.o)
# onairctl needs the command grammar and the helpers, nothing with hardware.
CTL_OBJ := $(BUILD)/daemon/onairctl.o $(BUILD)/core/cmd.o $(BUILD)/core/util.o
CTL_LIBS := $(shell $(PKG_CONFIG) --libs libcjson)
UNIT_TESTS := rundown show cue rhythm tsl obs gesture conf persist ctl report board pedalreport mqttmsg audio selftest \
	loop util lease render vmix atem watch health webhook
UNIT_BIN := $(UNIT_TESTS:%=$(BUILD)/tests/test_%)
FUZZERS := conf rundown ctl persist board hid mqtt web tsl obs vmix atem webhook
FUZZ_BIN := $(FUZZERS:%=$(BUILD)/fuzz/fuzz_%)

all: $(BUILD)/onaird $(BUILD)/onairctl

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/onaird: $(CORE_OBJ) $(BUILD)/daemon/onaird.o
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/onairctl: $(CTL_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(CTL_LIBS)

$(BUILD)/tests/test_%: $(BUILD)/tests/unit/test_%.o $(CORE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(shell $(PKG_CONFIG) --libs cmocka)

# The render test puts a recording stand-in behind the GPIO seam.
RENDER_OBJ := $(filter-out $(GPIOLINE:%.c=$(BUILD)/%.o),$(CORE_OBJ)) $(BUILD)/tests/unit/fake_gpioline.o
$(BUILD)/tests/test_render: $(BUILD)/tests/unit/test_render.o $(RENDER_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(shell $(PKG_CONFIG) --libs cmocka)

$(BUILD)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(shell $(PKG_CONFIG) --cflags cmocka) -DSRCDIR=\"$(CURDIR)\" -c $< -o $@

# libFuzzer needs clang; every parser has a target. The sources are
# compiled once with the fuzzer's coverage and the sanitizers, then linked
# into each target.
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	$(PKG_CFLAGS) \
	-DSYSCONFDIR=\"$(SYSCONFDIR)\" -DDATADIR=\"$(DATADIR)\"
FUZZ_OBJ := $(CORE:%.c=$(BUILD)/fuzzobj/%.o)
$(BUILD)/fuzzobj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS)

unit: $(UNIT_BIN)
# Runs them; TEST_RUNNER=qemu-aarch64 runs a cross build's (debian/rules).
unit-run: unit
	@for t in $(UNIT_BIN); do $(TEST_RUNNER) $$t > $$t.log 2>&1 || { cat $$t.log; exit 1; }; \
		echo "PASS $$t"; done
fuzzers: $(FUZZ_BIN)

# Run a tool on the example: console driver, example rundown, state under
# build/. WEB_PORT=8081 when 8080 is taken (onaird says so if it is).
WEB_PORT ?= 8080
run: all
	@mkdir -p $(BUILD)/run
	@echo "onaird: control it from another terminal with:"
	@echo "  ONAIR_SOCKET=$(BUILD)/run/onaird.sock $(BUILD)/onairctl status"
	@echo "  the anchor view: http://127.0.0.1:$(WEB_PORT)/ unless onaird says it cannot listen there"
	@echo "  (make run WEB_PORT=8081 then); the ops page /ops can only look: no token"
	-$(BUILD)/onaird -c configs/studio.conf --state-dir $(BUILD)/run --socket $(BUILD)/run/onaird.sock \
		-o web.listen=127.0.0.1:$(WEB_PORT) -o web.root=daemon/web; \
		$(BUILD)/onaird -c configs/studio.conf --safe-outputs

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# The fast loop, after every change: the layers, every unit test and the
# system suites (daemon, MQTT against a real mosquitto, web API, tally
# sources) on the plain -Werror build, and a few seconds of every fuzzer.
# A few minutes on 2 cores from a built tree.
check:
	WERROR=1 $(MAKE) --no-print-directory -j$(JOBS) all unit
	$(MAKE) --no-print-directory -j$(JOBS) fuzzers
	tests/run-all.sh $(BUILD) quick

# The whole world, what CI runs: the three builds (plain, gcc's and clang's
# sanitizers) with every suite, the pages in Chromium, a real OBS, the
# soaks, the packages, Debian 13, the hardware bench (amd64 and arm64),
# the power cuts and every fuzzer.
check-all:
	WERROR=1 $(MAKE) --no-print-directory -j$(JOBS) all unit
	WERROR=1 $(MAKE) --no-print-directory -j$(JOBS) BUILD=$(BUILD)/san SAN=1 all unit
	WERROR=1 $(MAKE) --no-print-directory -j$(JOBS) BUILD=$(BUILD)/clang CC=$(CLANG) SAN=1 all unit
	$(MAKE) --no-print-directory -j$(JOBS) fuzzers $(BENCH_TOOLS)
	tests/run-all.sh $(BUILD) all

# The Debian packages (amd64, and arm64 cross-built on amd64) with lintian
# and install/upgrade/purge in a debootstrapped root (part of check-all).
check-package:
	tests/package/run.sh $(BUILD)

# The soak: a leader and followers on a local broker under random commands
# and faults for SOAK_SECONDS, then the VM's hardware soak for SOAK_ROUNDS.
# make check-all runs a short version of both.
SOAK_SECONDS ?= 600
SOAK_ROUNDS ?= 400
soak: all
	python3 tests/soak/soak.py $(BUILD) --seconds $(SOAK_SECONDS)
	SOAK_ROUNDS=$(SOAK_ROUNDS) HIL_TIMEOUT=1200 tests/hil/run.sh $(BUILD) t_soak_hardware

# The hardware-in-the-loop bench alone (part of check-all).
check-hil: all
	tests/hil/run.sh $(BUILD)

# Benchmarks (never part of check): MQTT latency, footprint, wake-ups and
# countdown accuracy beside Node-RED and the bare libmosquitto floor, then
# input → tally inside the hardware bench's VM; table and $(BUILD)/bench.json.
# QUICK=1: a look in under a minute.
NODE_RED_VERSION := 4.1.8
# Downloads are kept outside the tree (tests/lib.sh says how and where).
ONAIR_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/onair
NODE_RED := $(BUILD)/node-red/node_modules/node-red/red.js
BENCH_TOOLS := $(BUILD)/mqtt_latency $(BUILD)/stamp $(BUILD)/slowsync.so

bench: all $(BENCH_TOOLS) $(NODE_RED)
	python3 tests/bench/bench.py $(BUILD) $(if $(QUICK),--quick)

$(NODE_RED):
	npm install --no-audit --no-fund --loglevel=error --prefix $(BUILD)/node-red \
		--cache $(ONAIR_CACHE)/npm --prefer-offline node-red@$(NODE_RED_VERSION)

$(BUILD)/mqtt_latency: tests/bench/mqtt_latency.c
	$(CC) -O2 -o $@ $< $(shell pkg-config --cflags --libs libmosquitto)

# fsync/fdatasync slowed to an SD card's pace, for the slow-storage tests.
$(BUILD)/slowsync.so: tests/bench/slowsync.c
	$(CC) -O2 -shared -fPIC -o $@ $< -ldl

$(BUILD)/stamp: tests/bench/stamp.c
	$(CC) -O2 -o $@ $<

fuzz: fuzzers
	tests/fuzz/run.sh $(BUILD) $(FUZZ_SECONDS)

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/onair \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)/usr/lib/sysusers.d $(DESTDIR)/usr/lib/tmpfiles.d \
		$(DESTDIR)$(DATADIR)/doc/onair/examples/mosquitto $(DESTDIR)$(DATADIR)/doc/onair/examples/prometheus \
		$(DESTDIR)$(DATADIR)/onair/boards \
		$(DESTDIR)$(UDEVDIR)/rules.d
	install -m 755 $(BUILD)/onaird $(DESTDIR)$(SBINDIR)/onaird
	install -m 755 $(BUILD)/onairctl $(DESTDIR)$(BINDIR)/onairctl
	sed 's|@SBINDIR@|$(SBINDIR)|g; s|@SYSCONFDIR@|$(SYSCONFDIR)|g' systemd/onaird.service.in \
		> $(DESTDIR)$(UNITDIR)/onaird.service
	install -m 644 systemd/onair-sysusers.conf $(DESTDIR)/usr/lib/sysusers.d/onair.conf
	install -m 644 systemd/onair-tmpfiles.conf $(DESTDIR)/usr/lib/tmpfiles.d/onair.conf
	install -m 644 configs/*.conf configs/*.csv $(DESTDIR)$(DATADIR)/doc/onair/examples/
	install -m 644 configs/mosquitto/* $(DESTDIR)$(DATADIR)/doc/onair/examples/mosquitto/
	install -m 644 configs/prometheus/* $(DESTDIR)$(DATADIR)/doc/onair/examples/prometheus/
	install -m 644 boards/*.conf $(DESTDIR)$(DATADIR)/onair/boards/
	install -d $(DESTDIR)$(DATADIR)/onair/web
	install -m 644 daemon/web/* $(DESTDIR)$(DATADIR)/onair/web/
	install -m 644 systemd/60-onair.rules $(DESTDIR)$(UDEVDIR)/rules.d/60-onair.rules
	install -d $(DESTDIR)$(DATADIR)/man/man1 $(DESTDIR)$(DATADIR)/man/man5 $(DESTDIR)$(DATADIR)/man/man8
	install -m 644 docs/onairctl.1 $(DESTDIR)$(DATADIR)/man/man1/onairctl.1
	install -m 644 docs/onair.conf.5 $(DESTDIR)$(DATADIR)/man/man5/onair.conf.5
	install -m 644 docs/onaird.8 $(DESTDIR)$(DATADIR)/man/man8/onaird.8
	test -e $(DESTDIR)$(SYSCONFDIR)/onair/onair.conf || \
		sed "s|^rundown = .*|rundown = rundown.csv|" configs/studio.conf \
		> $(DESTDIR)$(SYSCONFDIR)/onair/onair.conf
	test -e $(DESTDIR)$(SYSCONFDIR)/onair/rundown.csv || \
		install -m 644 configs/rundown-example.csv $(DESTDIR)$(SYSCONFDIR)/onair/rundown.csv

clean:
	rm -rf $(BUILD)

.PHONY: all unit unit-run fuzzers run check check-all check-package check-hil soak bench fuzz install clean
# Only the compiler's own dependency files: build/ also holds roots and
# node_modules, where a file may end in .d (a root's /usr/sbin/invoke-rc.d).
-include $(shell find $(addprefix $(BUILD)/,core drivers daemon tests fuzzobj fuzz) -name '*.d' -type f -print 2>/dev/null)
