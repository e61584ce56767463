// Placeholder entry point until the CLI verbs land; it refuses every verb.
#include <cstdio>
int main() {
    std::fputs("ebpfjit: no verbs are built yet\n", stderr);
    return 1;
}
