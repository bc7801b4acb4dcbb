#!/usr/bin/env bash
# Packaging test: installs a built Quarry into a temporary prefix and uses it as a new user would,
# with the README's own examples (README.md, "Use it from CMake", "From C", "From Python"):
#   1. `cmake --install BUILD --prefix P`
#   2. the README's consumer project (CMakeLists.txt, main.cpp, hello.c) configured with
#      CMAKE_PREFIX_PATH=P, built, and run: find_package(Quarry CONFIG), Quarry::quarry and
#      Quarry::quarry_c; each program's output must equal the README's
#   3. the same two programs built through pkg-config (quarry, quarry-c) alone
#   4. the README's Python example run with PYTHONPATH=P/lib/python3/dist-packages
#   5. a project that adds the repository with add_subdirectory: it configures with the tests and
#      benchmarks off, and its main.cpp compiles against Quarry::quarry
# An example is the fenced block after a line `<!-- example: NAME -->` in README.md; its expected
# output the block after `<!-- output: NAME -->`.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR CMAKE CXX CC [PYTHON]
set -euo pipefail
build=$1 source=$2 cmake=$3 cxx=$4 cc=$5 python=${6:-}
work=$(mktemp -d /tmp/quarry-install-test-XXXXXX)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

# The fenced block after the marker line `<!-- KIND: NAME -->` in README.md.
block() {
  awk -v marker="<!-- $1: $2 -->" '
    $0 == marker { found = 1; next }
    found && /^```/ { if (inside) exit; inside = 1; next }
    found && inside { print }
  ' "$source/README.md"
}
extract() {  # extract NAME FILE: the example NAME, which must exist, into FILE
  mkdir -p "$(dirname "$2")"
  block example "$1" > "$2"
  [ -s "$2" ] || { echo "README.md has no example $1"; exit 1; }
}
expect() {  # expect NAME ACTUAL-OUTPUT
  if ! diff <(block output "$1") <(printf '%s\n' "$2"); then
    echo "output of $1 differs from the README's (< README, > actual)"
    exit 1
  fi
}

step() { echo "== $*"; }

step "cmake --install into $prefix"
"$cmake" --install "$build" --prefix "$prefix" > "$work/install.log"
for f in include/quarry/quarry.hpp include/quarry/types/value.hpp include/quarry.h; do
  [ -f "$prefix/$f" ] || { echo "not installed: $f"; exit 1; }
done
# The public headers stand alone: nothing under include/ names a folder of the source tree.
if grep -rnE '#[[:space:]]*include[[:space:]]*["<](codec|storage|index|tx|query|api|repl|capi)/' "$prefix/include"; then
  echo "installed headers include files that are not installed"
  exit 1
fi
libdir=$(dirname "$(find "$prefix" -name 'libquarry_api.a' | head -1)")

step "a CMake project with find_package(Quarry CONFIG)"
consumer=$work/consumer
extract consumer/CMakeLists.txt "$consumer/CMakeLists.txt"
extract consumer/main.cpp "$consumer/main.cpp"
extract consumer/hello.c "$consumer/hello.c"
"$cmake" -S "$consumer" -B "$consumer/build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_COMPILER="$cc" > "$work/consumer-configure.log"
"$cmake" --build "$consumer/build" > "$work/consumer-build.log" || { cat "$work/consumer-build.log"; exit 1; }
expect people "$("$consumer/build/people")"
expect hello "$("$consumer/build/hello")"

step "the same programs through pkg-config"
export PKG_CONFIG_PATH=$libdir/pkgconfig
# shellcheck disable=SC2046
"$cxx" "$consumer/main.cpp" $(pkg-config --cflags --libs quarry) -o "$work/people-pc"
# shellcheck disable=SC2046
"$cc" -std=c11 "$consumer/hello.c" $(pkg-config --cflags --libs quarry-c) -o "$work/hello-pc"
expect people "$("$work/people-pc")"
expect hello "$(LD_LIBRARY_PATH=$libdir "$work/hello-pc")"

if [ -n "$python" ]; then
  step "the Python example, with the installed module"
  extract example.py "$work/example.py"
  site=$(dirname "$(find "$prefix" -path '*/quarry/__init__.py' | head -1)")
  expect python "$(cd "$work" && PYTHONPATH=$(dirname "$site") "$python" example.py)"
fi

step "a project that adds the repository with add_subdirectory"
sub=$work/sub
mkdir -p "$sub"
cp "$consumer/main.cpp" "$sub/main.cpp"
cat > "$sub/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.25)
project(app CXX)
add_subdirectory("$source" quarry)
add_executable(app main.cpp)
target_link_libraries(app PRIVATE Quarry::quarry)
foreach(t query_engine_test bench_query_bench quarry)
  if(TARGET \${t})
    message(FATAL_ERROR "\${t} is built in a sub-project by default")
  endif()
endforeach()
EOF
"$cmake" -S "$sub" -B "$sub/build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" \
  > "$work/sub-configure.log" || { cat "$work/sub-configure.log"; exit 1; }
# Compile (not link) the program: its include directories come from Quarry::quarry alone.
"$cmake" --build "$sub/build" --target CMakeFiles/app.dir/main.cpp.o > "$work/sub-build.log" \
  || { cat "$work/sub-build.log"; exit 1; }
echo "install_test: all steps passed"
