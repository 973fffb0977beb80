package dev.sluice.stack;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The host's routes, IPv4 and IPv6, with longest-prefix-match lookup (RFC 1812 §5.2.4.3; RFC 1122
 * §3.3.1 for a host's choice of first hop).
 *
 * <p>Copy-on-write: the routes live in an immutable snapshot, one array per family sorted by
 * descending prefix length, held in a volatile field. Lookups read the field once and scan the
 * array, so they take no lock, allocate nothing, and see either all or none of a concurrent
 * change. Because two different prefixes of the same length are disjoint, the first route that
 * matches is the longest match. Writers serialize on a private monitor, copy, and publish a new
 * snapshot. Host routing tables are small (tens of routes) and change rarely, which is what makes a
 * linear scan and whole-table copies the simple right choice; a trie would pay off only at
 * full-table sizes a host never holds.
 *
 * <p>One route per destination: adding a route whose family, prefix and length equal an existing
 * one's is refused, as {@code ip route add} refuses it ("File exists"). Replace a route by removing
 * it and adding the new one.
 */
final class RouteTable {
  private static final Comparator<Route> LONGEST_FIRST =
      Comparator.comparingInt(Route::prefixLength).reversed();

  /** The routes of each family, longest prefix first. Never mutated once published. */
  private record Snapshot(Route[] ipv4, Route[] ipv6) {}

  private final Object writeLock = new Object();
  private volatile Snapshot snapshot = new Snapshot(new Route[0], new Route[0]);

  /**
   * Adds {@code route}.
   *
   * @throws IllegalArgumentException if a route to the same destination exists
   */
  public void add(Route route) {
    Objects.requireNonNull(route, "route");
    synchronized (writeLock) {
      Snapshot current = snapshot;
      Route[] routes = route.ipv6() ? current.ipv6() : current.ipv4();
      for (Route existing : routes) {
        if (existing.prefixLength() == route.prefixLength()
            && existing.prefixHigh() == route.prefixHigh()
            && existing.prefixLow() == route.prefixLow()) {
          throw new IllegalArgumentException(
              "route to " + route.destination() + " exists: " + existing + "; cannot add " + route);
        }
      }
      Route[] grown = Arrays.copyOf(routes, routes.length + 1);
      grown[routes.length] = route;
      Arrays.sort(grown, LONGEST_FIRST);
      snapshot = route.ipv6() ? new Snapshot(current.ipv4(), grown) : new Snapshot(grown, current.ipv6());
    }
  }

  /**
   * Removes {@code route} (all fields must be equal, interface and gateway included).
   *
   * @return whether it was there
   */
  public boolean remove(Route route) {
    Objects.requireNonNull(route, "route");
    synchronized (writeLock) {
      Snapshot current = snapshot;
      Route[] routes = route.ipv6() ? current.ipv6() : current.ipv4();
      int index = Arrays.asList(routes).indexOf(route);
      if (index < 0) {
        return false;
      }
      Route[] shrunk = new Route[routes.length - 1];
      System.arraycopy(routes, 0, shrunk, 0, index);
      System.arraycopy(routes, index + 1, shrunk, index, routes.length - index - 1);
      snapshot = route.ipv6() ? new Snapshot(current.ipv4(), shrunk) : new Snapshot(shrunk, current.ipv6());
      return true;
    }
  }

  /** The longest-prefix route to the IPv4 {@code address}, or null. Lock-free, allocation-free. */
  public Route lookupIpv4(int address) {
    for (Route route : snapshot.ipv4()) {
      if (route.matchesIpv4(address)) {
        return route;
      }
    }
    return null;
  }

  /** The longest-prefix route to the IPv6 address {@code high:low}, or null. Lock-free, allocation-free. */
  public Route lookupIpv6(long high, long low) {
    for (Route route : snapshot.ipv6()) {
      if (route.matchesIpv6(high, low)) {
        return route;
      }
    }
    return null;
  }

  /** Every route, IPv4 then IPv6, each longest prefix first: a consistent snapshot. */
  public List<Route> routes() {
    Snapshot current = snapshot;
    List<Route> all = new ArrayList<>(current.ipv4().length + current.ipv6().length);
    all.addAll(Arrays.asList(current.ipv4()));
    all.addAll(Arrays.asList(current.ipv6()));
    return List.copyOf(all);
  }

  /** The number of routes of both families. */
  public int size() {
    Snapshot current = snapshot;
    return current.ipv4().length + current.ipv6().length;
  }

  @Override
  public String toString() {
    return routes().toString();
  }
}
