# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh
#
# /tests/patterns.sh: the kernel log lines that fail a case (extended
# regular expression), in one place for the runner (runner.sh, after every
# case) and the cases that scan as they go (lib.sh: klog_scan).
export FSV_BAD='BUG:|WARNING:|KASAN|UBSAN|possible circular locking|possible recursive locking|INFO: |Oops|Call Trace|kernel BUG|general protection fault|unreferenced object|list_add corruption|list_del corruption|refcount_t: |kmemleak: [0-9]+ new suspected'
