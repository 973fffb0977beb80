/** The {@code sluice} command. */
module dev.sluice.cli {
  requires dev.sluice.core;
  requires dev.sluice.gateway; // sluice gateway: the library's public API only
  requires dev.sluice.torture;
  requires info.picocli;
  requires com.fasterxml.jackson.core;
  requires java.management;
  requires jdk.management; // the process CPU time (bench workload 9)
  requires jdk.attach; // sluice ss: attach to a running JVM and start its local JMX agent
  requires java.management.rmi; // sluice ss: the JMX connector to that agent
  requires jdk.httpserver;
  requires io.netty.transport;
  requires io.netty.buffer;
  requires io.netty.common;

  opens dev.sluice.cli to info.picocli;
  opens dev.sluice.cli.bench to info.picocli;
  opens dev.sluice.cli.gateway to info.picocli;
}
