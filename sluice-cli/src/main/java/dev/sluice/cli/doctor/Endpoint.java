package dev.sluice.cli.doctor;

/** One end of a TCP connection: an address in its usual text form and a port. */
public record Endpoint(String address, int port) {
  /** {@code 198.18.0.1:80}, or {@code [2001:2::1]:80} for IPv6 (RFC 5952 §6). */
  @Override
  public String toString() {
    return address.indexOf(':') >= 0 ? "[" + address + "]:" + port : address + ":" + port;
  }
}
