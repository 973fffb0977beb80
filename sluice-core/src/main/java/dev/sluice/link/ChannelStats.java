package dev.sluice.link;

/**
 * What one direction of a simulated link did, as a snapshot.
 *
 * @param sent packets handed to the link
 * @param delivered packets that reached the far interface's receive queue
 * @param lost packets removed by the loss impairment
 * @param duplicated extra copies made by the duplication impairment
 * @param corrupted packets with a flipped bit
 * @param reordered packets held back by the reorder impairment
 * @param bufferExhausted copies dropped because every buffer of the link was in flight or queued
 */
record ChannelStats(
    long sent, long delivered, long lost, long duplicated, long corrupted, long reordered,
    long bufferExhausted) {}
