#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Harness self-test case: loads whichever broken module was built
# (broken_null or broken_leak) and unloads it. The case itself passes; the
# harness must notice the Oops or the leak and fail.
# shellcheck source=tests/vm/guest/lib.sh
. /tests/lib.sh

ktap_plan 1
for f in "/lib/modules/$KREL/extra"/*.ko; do m=$(basename "$f" .ko); done
modprobe "$m"
modprobe -r "$m" 2>/dev/null
ok "loaded and unloaded $m"
ktap_finish
