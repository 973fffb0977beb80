/**
 * Embedding a gateway: {@link dev.sluice.gateway.Gateway#builder(String)} takes a network
 * namespace, one setter per {@code sluice gateway} option, and {@code start()} gives the namespace
 * its TCP, UDP and ping through Sluice until {@link dev.sluice.gateway.Gateway#close()}. See
 * docs/gateway.md for what the relay does with each flow.
 */
package dev.sluice.gateway;
