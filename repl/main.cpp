// Placeholder entry point: prints the version. The REPL itself is issue 5.
#include <cstdio>
int main() { std::puts("quarry 0.1.0"); }
