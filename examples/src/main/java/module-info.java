/**
 * Sluice's examples: small programs that use the library as an application does, through what
 * {@code dev.sluice.core} exports to everyone ({@code api}, {@code link}, {@code nio}) and the
 * gateway's API ({@code dev.sluice.gateway}). Run one with {@code java
 * --enable-native-access=dev.sluice.core -p sluice-core.jar:sluice-gateway.jar:sluice-examples.jar -m
 * dev.sluice.examples/dev.sluice.examples.LossyEcho}; each class comment says what else it needs.
 */
module dev.sluice.examples {
  requires dev.sluice.core;
  requires dev.sluice.gateway; // EmbeddedGateway
  requires jdk.httpserver; // HttpServerOnSluice: the JDK's own server...
  requires java.net.http; // ...and client

  exports dev.sluice.examples;
}
