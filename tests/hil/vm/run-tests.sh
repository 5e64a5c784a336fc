# Runs every t_* function of the t_*.sh files (or those named in the kernel
# command line's onair.tests=a,b) and prints one HIL line per test.
. ./lib.sh
sim_create
for f in ./t_*.sh; do . "$f"; done
only=$(sed -n 's/.*onair\.tests=\([^ ]*\).*/\1/p' /proc/cmdline | tr ',' ' ')
for t in $(sed -n 's/^\(t_[a-z0-9_]*\)() {$/\1/p' ./t_*.sh); do
	if [ -n "$only" ] && ! echo " $only " | grep -q " $t "; then continue; fi
	run_test "$t"
done
