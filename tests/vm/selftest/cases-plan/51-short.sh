#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Harness self-test: a case that promises 3 results and prints 2 (as one
# that stopped half-way would). The runner must fail it.
# shellcheck source=tests/vm/guest/lib.sh
. /tests/lib.sh

ktap_plan 3
ok "first"
ok "second"
exit 0
