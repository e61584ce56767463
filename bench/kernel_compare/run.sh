#!/bin/sh
# Kernel verifier vs ours on the same objects: the bench loops (as XDP wrappers, see
# kernel_wrapper.h), the examples and the large corpus parser. Needs root for the kernel
# column (skipped cleanly otherwise) and a configured build (default: build/).
#   bench/kernel_compare/run.sh [BUILD_DIR]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
cflags="-O2 -g -target bpf -Wall -Werror -idirafter /usr/include -idirafter /usr/include/$multiarch"

kernel=""
if [ "$(id -u)" = 0 ] && gcc -O2 -o "$out/kernel_verify" "$here/kernel_verify.c" -lbpf 2>/dev/null; then
    kernel="$out/kernel_verify"
else
    echo "(not root or no libbpf: kernel column skipped)"
fi

objects=""
for p in log2_int prime switch memory_a_plus_b simple; do
    clang $cflags -c "$here/kernel_$p.c" -o "$out/kernel_$p.o"
    objects="$objects $out/kernel_$p.o"
done
clang $cflags -c "$root/tests/verifier/c/xdp_big_parser.c" -o "$out/xdp_big_parser.o"
objects="$objects $out/xdp_big_parser.o $(ls "$build"/examples/*.o)"

printf '%-22s %-28s %-28s\n' program "kernel (processed, us)" "ebpfjit (processed, us)"
for o in $objects; do
    ours=$("$build/ebpfjit" verify "$o" 2>&1 || true)
    theirs=""
    [ -n "$kernel" ] && theirs=$(timeout 900 "$kernel" "$o" 2>&1 || true)
    echo "$ours" | while IFS= read -r line; do
        case "$line" in
        "  "*) printf '%-22s %s\n' "" "${line#  }"; continue ;; # a note on the row above
        esac
        name=${line%% (*}
        case "$line" in
        *": ok, "*) o_col=$(echo "$line" | sed -E 's/.*ok, ([0-9]+) instructions processed.* ([0-9]+) us(,.*)?$/ok \1, \2/') ;;
        *) o_col="rejected: $(echo "$line" | sed -E 's/.*\[([a-z ]+)\]$/\1/')" ;;
        esac
        k_col="-"
        if [ -n "$theirs" ]; then
            k=$(echo "$theirs" | grep "^$name " || true)
            [ -n "$k" ] && k_col=$(echo "$k" | sed -E 's/^[^ ]+ ([a-z]+) processed=([0-9-]+) usec=([0-9-]+).*/\1 \2, \3/')
        fi
        printf '%-22s %-28s %-28s\n' "$name" "$k_col" "$o_col"
    done
done
