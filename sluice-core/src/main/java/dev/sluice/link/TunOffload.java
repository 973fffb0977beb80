package dev.sluice.link;

/**
 * Whether a {@link TunDevice} asks the kernel for offloads: virtio-net headers ({@code
 * IFF_VNET_HDR}) with checksum and segmentation offload ({@code TUNSETOFFLOAD}), so that one read
 * or write moves up to 64 KB of TCP instead of one MTU-sized packet (docs/tun-offloads.md).
 */
public enum TunOffload {
  /**
   * Offloads where the kernel has them: each TUN_F_ flag is probed, and what the kernel refuses
   * is left out; a kernel without virtio headers gets the plain path. The default.
   */
  AUTO,
  /** The plain path: one packet per read(2) and write(2), no virtio header. */
  OFF
}
