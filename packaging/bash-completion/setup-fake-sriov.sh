# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# bash completion for setup-fake-sriov.sh(8), installed by the fake-sriov-vgpu
# package as /usr/share/bash-completion/completions/setup-fake-sriov.sh.
# The commands below are the script's own: tests/docs/completion-check
# compares them with the "Commands:" of `setup-fake-sriov.sh --help`.

_setup_fake_sriov() {
	local cur=${COMP_WORDS[COMP_CWORD]}
	# fsv-completion: commands
	local commands='setup cleanup status list create-vf remove-vf -h --help'
	COMPREPLY=()
	if [ "$COMP_CWORD" -eq 1 ]; then
		mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
		return 0
	fi
	case ${COMP_WORDS[1]} in
	create-vf | remove-vf)
		case $COMP_CWORD in
		2) mapfile -t COMPREPLY < <(compgen -W "$(seq 0 31)" -- "$cur") ;; # SLOT
		3) mapfile -t COMPREPLY < <(compgen -W "$(seq 0 7)" -- "$cur") ;;  # FUNC
		esac
		;;
	esac
	return 0
}
complete -F _setup_fake_sriov setup-fake-sriov.sh
