package dev.sluice.cli.doctor;

/** Which end of a connection: the client sent the first SYN (or, with no SYN seen, the first packet). */
public enum Side {
  CLIENT,
  SERVER;

  public Side other() {
    return this == CLIENT ? SERVER : CLIENT;
  }

  /** "client" or "server", as reports and JSON spell it. */
  public String label() {
    return this == CLIENT ? "client" : "server";
  }
}
