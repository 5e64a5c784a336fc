# Runs every t_* function of the t_*.sh files (or those named in the kernel
# command line's onair.tests=a,b) and prints one HIL line per test.
. ./lib.sh
sim_create
for f in ./t_*.sh ./b_*.sh ./p_*.sh; do . "$f"; done
only=$(sed -n 's/.*onair\.tests=\([^ ]*\).*/\1/p' /proc/cmdline | tr ',' ' ')
# Benchmarks (b_*) and the power-cut halves (p_*) run only when named.
for t in $(sed -n 's/^\([tbp]_[a-z0-9_]*\)() {$/\1/p' ./t_*.sh ./b_*.sh ./p_*.sh); do
	case $t in b_* | p_*) [ -n "$only" ] || continue ;; esac
	if [ -n "$only" ] && ! echo " $only " | grep -q " $t "; then continue; fi
	run_test "$t"
done
