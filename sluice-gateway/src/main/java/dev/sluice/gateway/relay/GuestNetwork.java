package dev.sluice.gateway.relay;

import dev.sluice.link.TunDevice;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The guest's side of the gateway: a TUN device created inside the guest's network namespace, its
 * kernel side given the guest's address and a default route through the device (with ip(8)).
 * Closing it closes the device, which takes the address and the route with it.
 */
final class GuestNetwork implements AutoCloseable {
  private final TunDevice device;

  private GuestNetwork(TunDevice device) {
    this.device = device;
  }

  /**
   * Opens {@code tun} in namespace {@code netns} (a name under /var/run/netns, or a path) and
   * configures the guest's side for IPv4 only; on failure nothing is left open.
   */
  static GuestNetwork open(String netns, String tun, int mtu, GatewayAddresses addresses)
      throws IOException, InterruptedException {
    return open(netns, tun, mtu, addresses, null);
  }

  /**
   * As {@link #open(String, String, int, GatewayAddresses)}, and with {@code addresses6} (null:
   * none) IPv6 too: IPv6 is turned on for the device, the guest takes its IPv6 address without
   * duplicate address detection ({@code nodad}: nobody else is on a TUN link, and DAD would hold
   * the address back for a second) and an IPv6 default route through the device.
   */
  static GuestNetwork open(String netns, String tun, int mtu, GatewayAddresses addresses,
      GatewayAddresses addresses6) throws IOException, InterruptedException {
    Path ns = netns.contains("/") ? Path.of(netns) : Path.of("/var/run/netns", netns);
    // One queue per receive worker (the Host defaults to one worker per core): each reads its own.
    TunDevice device = TunDevice.open(ns, tun, Runtime.getRuntime().availableProcessors(), mtu);
    try {
      if (addresses6 != null) {
        // The namespace may have IPv6 off by default (net.ipv6.conf.default.disable_ipv6=1), which
        // a new device inherits; then ip(8) cannot give it an IPv6 address.
        inNamespace(ns, "sysctl", "-q", "-w", "net.ipv6.conf." + tun + ".disable_ipv6=0");
      }
      ip(ns, "addr", "add", addresses.guestWithPrefix(), "dev", tun);
      if (addresses6 != null) {
        ip(ns, "-6", "addr", "add", addresses6.guestWithPrefix(), "dev", tun, "nodad");
      }
      ip(ns, "link", "set", "dev", tun, "mtu", Integer.toString(mtu), "up");
      ip(ns, "route", "replace", "default", "via", addresses.host(), "dev", tun);
      if (addresses6 != null) {
        ip(ns, "-6", "route", "replace", "default", "via", addresses6.host(), "dev", tun);
      }
    } catch (IOException | InterruptedException | RuntimeException e) {
      device.close();
      throw e;
    }
    return new GuestNetwork(device);
  }

  TunDevice device() {
    return device;
  }

  @Override
  public void close() {
    device.close();
  }

  /** Runs {@code command} inside the namespace, entered with nsenter(1). */
  private static void inNamespace(Path ns, String... command) throws IOException, InterruptedException {
    List<String> full = new ArrayList<>(List.of("nsenter", "--net=" + ns));
    full.addAll(List.of(command));
    run(full);
  }

  /** Runs ip(8) inside the namespace. */
  private static void ip(Path ns, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("ip", "-n", ns.getFileName().toString()));
    if (ns.getParent() != null && !ns.getParent().equals(Path.of("/var/run/netns"))
        && !ns.getParent().equals(Path.of("/run/netns"))) {
      // ip -n takes only names; a namespace given by path is entered with nsenter
      command = new ArrayList<>(List.of("nsenter", "--net=" + ns, "ip"));
    }
    command.addAll(List.of(args));
    run(command);
  }

  private static void run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + output.strip());
    }
  }
}
