# Sourced by the scripts: installs what a fresh Debian or Ubuntu machine lacks.
# Usage: require_programs <need>... (the programs of scripts/host-programs needed by any of them), or
# require <command-or-/path> <debian-package> ... (pairs); then install_required.

missing_packages=()

# require CHECK PACKAGE: CHECK is a command name, or an absolute path that must exist.
require() {
    while [ $# -ge 2 ]; do
        local check=$1 package=$2
        shift 2
        if [[ $check == /* ]]; then
            [ -e "$check" ] && continue
        else
            command -v "$check" >/dev/null 2>&1 && continue
        fi
        [[ " ${missing_packages[*]} " == *" $package "* ]] || missing_packages+=("$package")
    done
}

# require_programs NEED...: every program of scripts/host-programs whose last column names one of NEED.
require_programs() {
    local program package needs need
    while read -r program package needs; do
        [[ -z $program || $program == \#* ]] && continue
        for need in "$@"; do
            if [[ " $needs " == *" $need "* ]]; then
                require "$program" "$package"
                break
            fi
        done
    done < "$(dirname "${BASH_SOURCE[0]}")/host-programs"
}

install_required() {
    [ ${#missing_packages[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "tcplife: missing ${missing_packages[*]}; run as root or install them: apt-get install ${missing_packages[*]}" >&2
        exit 1
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "tcplife: missing ${missing_packages[*]}, and this is not a Debian or Ubuntu machine: install them by hand" >&2
        exit 1
    fi
    echo "tcplife: installing ${missing_packages[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing_packages[@]}" >/dev/null
    missing_packages=()
}

# The tools to build the agent and run it (the agent carries its own libbpf).
require_build_and_runtime() {
    require_programs build
}

# Builds agent/target/tcplife-agent.jar unless it is newer than every source.
build_agent_if_needed() {
    local jar=agent/target/tcplife-agent.jar
    if [ -f "$jar" ] && [ -z "$(find pom.xml */pom.xml bpf/src jfr-templates agent/src -newer "$jar" -type f -print -quit)" ]; then
        return 0
    fi
    echo "tcplife: building $jar" >&2
    mvn -B -q -DskipTests -pl bpf,jfr-templates,agent package
    # Maven leaves an up-to-date jar untouched: without this, a newer pom.xml would rebuild on every run.
    touch "$jar"
}
