/**
 * What moves packets inside the core and is no application's business: the lock-free ring
 * ({@link dev.sluice.link.internal.MpmcRing}) behind every receive queue, buffer pool, timer
 * request queue and UDP queue. Not exported: {@code link} and {@code stack} use it, and the
 * benchmarks (on the class path) measure it.
 */
package dev.sluice.link.internal;
