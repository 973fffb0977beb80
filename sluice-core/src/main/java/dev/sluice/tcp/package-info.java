/**
 * The TCP engine: sans-IO and deterministic. No threads, no clock reads, no I/O: time comes in as
 * an argument, segments and application calls go in, segments, events and the next deadline come
 * out. Imports only {@code dev.sluice.wire}.
 */
package dev.sluice.tcp;
