/*
 * hash: the one string hash of the toolkit's in-memory tables (FNV-1a, 64
 * bits). Not for anything stored or shared between processes: its values may
 * change.
 */
#ifndef DE_HASH_H
#define DE_HASH_H

#include <stdint.h>

/* The hash of the NUL-terminated s. Never fails. */
uint64_t hash_str(const char *s);

#endif
