package dev.sluice.nio;

import java.net.SocketOption;
import java.util.Objects;
import java.util.Set;

/** The checks the JDK's channels make on a socket option before they look at it. */
final class SocketOptions {
  private SocketOptions() {}

  /** {@code getOption}: a null name is an NPE, an unknown one {@link UnsupportedOperationException}. */
  static void checkSupported(Set<SocketOption<?>> supported, SocketOption<?> name) {
    Objects.requireNonNull(name, "name");
    if (!supported.contains(name)) {
      throw new UnsupportedOperationException("'" + name + "' not supported");
    }
  }

  /** {@code setOption}: as {@link #checkSupported}, and a value not of the option's type is an IAE. */
  static <T> void checkSettable(Set<SocketOption<?>> supported, SocketOption<T> name, T value) {
    checkSupported(supported, name);
    if (!name.type().isInstance(value)) {
      throw new IllegalArgumentException("Invalid value '" + value + "'");
    }
  }
}
