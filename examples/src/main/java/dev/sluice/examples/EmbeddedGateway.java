package dev.sluice.examples;

import dev.sluice.gateway.Gateway;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;

/**
 * Example: a program that embeds Sluice's gateway ({@code sluice-gateway}, module {@code
 * dev.sluice.gateway}) to give a Linux network namespace its network, as slirp4netns does: every
 * TCP flow the namespace opens ends in Sluice and is relayed over this process's sockets, UDP and
 * pings too. It prints the gateway's counters every few seconds until Enter is pressed.
 *
 * <p>Needs root (the gateway creates a TUN device in the namespace), {@code /dev/net/tun}, {@code
 * ip(8)}, and native access for Sluice's module. Try it:
 *
 * <pre>{@code
 * ip netns add guest
 * java --enable-native-access=dev.sluice.core -p ... -m dev.sluice.examples/dev.sluice.examples.EmbeddedGateway guest 198.18.0.0/24
 * ip netns exec guest curl http://<an address this host reaches>/      # in another terminal
 * }</pre>
 *
 * <p>Threads: the gateway runs on threads of its own; {@link #start} returns once the namespace has
 * its address and default route, and the returned gateway's {@code close()} may be called from
 * any thread.
 */
public final class EmbeddedGateway {
  /** How often {@link #main} prints the counters. */
  static final Duration PERIOD = Duration.ofSeconds(5);

  private EmbeddedGateway() {}

  /** Runs the example until Enter is pressed: {@code EmbeddedGateway NETNS CIDR}. */
  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: EmbeddedGateway NETNS CIDR, e.g. guest 198.18.0.0/24");
      System.exit(2);
    }
    Gateway gateway;
    try {
      gateway = start(args[0], args[1], "sluice0");
    } catch (IllegalArgumentException | IOException e) { // a bad cidr, no such namespace, no privilege
      System.err.println("EmbeddedGateway: " + e.getMessage());
      System.exit(2);
      return;
    }
    try (gateway) {
      System.out.println("guest " + gateway.guestAddress().getHostAddress() + " in " + args[0] + ", gateway "
          + gateway.address().getHostAddress() + "; press Enter to stop");
      Thread printer = Thread.ofVirtual().start(() -> printCounters(gateway, System.out));
      System.in.read();
      printer.interrupt();
    }
  }

  /**
   * Gives the namespace {@code netns} (a name under /var/run/netns) its network on {@code cidr} (the
   * guest takes the first host address, the gateway the next) through a TUN device named {@code
   * tun}, with the gateway's defaults otherwise; the caller closes the gateway, which removes the
   * device. IllegalArgumentException: a bad cidr or device name; IOException: no such namespace, no
   * privilege.
   */
  public static Gateway start(String netns, String cidr, String tun) throws IOException {
    return Gateway.builder(netns).cidr(cidr).tun(tun).start();
  }

  /** Prints the counters every {@link #PERIOD} until the thread is interrupted. */
  static void printCounters(Gateway gateway, PrintStream out) {
    while (true) {
      try {
        Thread.sleep(PERIOD);
      } catch (InterruptedException e) {
        return;
      }
      out.println(gateway.counters());
    }
  }
}
