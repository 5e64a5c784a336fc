#!/bin/bash
# Power cuts, as a studio box on an SD card gets them: the state folder on
# a virtio disk written through to the host (cache=none), three operators
# sending commands, qemu killed with SIGKILL at a random moment; then the
# VM boots again on the same disk and the show must resume with every
# command that was acknowledged in its show log exactly once.
# Usage: tests/hil/powercut.sh BUILD [ROUNDS]; prints "powercut: N passed, N failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(realpath "$1")
rounds=${2:-20}
out=$build/hil/powercut
skip() { echo "SKIP powercut: $*"; echo "powercut: 0 passed, 0 failed, 1 skipped"; exit 0; }
missing() { echo "FAIL powercut: $* is not installed: run ./install-packages"; echo "powercut: 0 passed, 1 failed, 0 skipped"; exit 1; }
command -v qemu-system-x86_64 > /dev/null || missing "qemu-system-x86_64 (qemu-system-x86)"
command -v mkfs.ext4 > /dev/null || missing "mkfs.ext4 (e2fsprogs)"
kdir=$(HIL_BUILD_ONLY=1 "$here/run.sh" "$build" | tail -n 1)
[ -f "$kdir/vmlinuz" ] || skip "the bench's kernel cannot be had ($kdir)"
mkdir -p "$out"
passed=0 failed=0

boot() { # DISK TESTS LOG: boot the bench VM on DISK in the background
	qemu-system-x86_64 -accel tcg -m 512 -smp 1 -nographic -no-reboot \
		-kernel "$kdir/vmlinuz" -initrd "$build/hil/initramfs.gz" \
		-drive "file=$1,if=virtio,format=raw,cache=none" \
		-append "console=ttyS0 panic=-1 quiet loglevel=3 onair.tests=$2" \
		< /dev/null > "$3" 2>&1 &
	qpid=$!
}

for r in $(seq 1 "$rounds"); do
	disk=$out/disk.img
	rm -f "$disk"
	truncate -s 16M "$disk"
	mkfs.ext4 -q -F "$disk"
	boot "$disk" p_cut "$out/cut.$r.log"
	# Wait for the commands to flow, then cut at a random moment in them.
	for _ in $(seq 1 600); do
		grep -q 'HIL acked' "$out/cut.$r.log" 2> /dev/null && break
		kill -0 $qpid 2> /dev/null || break
		sleep 0.1
	done
	cut_ms=$((300 + RANDOM % 2700))
	sleep "$(printf '%d.%03d' $((cut_ms / 1000)) $((cut_ms % 1000)))"
	kill -9 $qpid 2> /dev/null
	wait $qpid 2> /dev/null
	acked=$(tr -d '\r' < "$out/cut.$r.log" | sed -n 's/.*HIL acked \([0-9]*\)$/\1/p' | sort -n)
	boot "$disk" p_check "$out/check.$r.log"
	timeout 300 tail --pid=$qpid -f /dev/null
	wait $qpid 2> /dev/null
	log=$(tr -d '\r' < "$out/check.$r.log")
	logged=$(echo "$log" | sed -n 's/.*HIL logged \([0-9]*\)$/\1/p' | sort -n)
	resumed=$(echo "$log" | sed -n 's/.*HIL resumed \([a-z]*\) \([0-9]*\)$/\1 \2/p')
	torn=$(echo "$log" | grep -c 'HIL torn')
	nacked=$(echo "$acked" | grep -c .)
	why=
	[ "$nacked" -gt 0 ] || why="no command was acknowledged before the cut"
	dup=$(echo "$logged" | uniq -d | head -n 3 | tr '\n' ' ')
	[ -z "$dup" ] || why="logged twice: $dup"
	missing=$(comm -23 <(echo "$acked" | sort) <(echo "$logged" | sort) | head -n 3 | tr '\n' ' ')
	[ -z "$missing" ] || why="acknowledged but not in the show log: $missing"
	last=$(echo "$acked" | tail -n 1)
	case $resumed in
	"live "*) [ "${resumed#live }" -ge "${last:-0}" ] || why="resumed at seq ${resumed#live }, before $last" ;;
	*) why="${why:-did not resume live (\"$resumed\")}" ;;
	esac
	echo "$log" | grep -q '^HIL FAIL' && why="${why:-$(echo "$log" | grep '^HIL FAIL' | head -n 1)}"
	if [ -z "$why" ]; then
		passed=$((passed + 1))
		echo "ok powercut $r: cut after ${cut_ms} ms, $nacked acknowledged, $(echo "$logged" | grep -c .) logged, resumed at seq ${resumed#live }$([ "$torn" -gt 0 ] && echo ", the torn last record closed off")"
	else
		failed=$((failed + 1))
		echo "FAIL powercut $r: $why (cut after ${cut_ms} ms; logs in $out)"
	fi
done
echo "powercut: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
