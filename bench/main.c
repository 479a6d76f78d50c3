/* main.c - bin/ibbench (placeholder until the bench harness lands). */
#include <stdio.h>
int main(void) { fprintf(stderr, "ibbench: not implemented yet\n"); return 2; }
