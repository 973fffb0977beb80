package dev.sluice.nio;

import java.io.IOException;
import java.net.SocketException;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;

/**
 * The exceptions the socket views ({@link SluiceSocket}, {@link SluiceServerSocket}) throw for
 * their channels' exceptions: those the JDK's own adaptors throw, with the same messages, so code
 * that catches a {@link SocketException} from a {@link java.net.Socket} method keeps working.
 * Stateless.
 */
final class SocketExceptions {
  private SocketExceptions() {}

  /**
   * For a socket method that declares {@link IOException}: a channel's unchecked state exception
   * ({@link NotYetConnectedException}, {@link AlreadyBoundException}...) becomes the {@link
   * SocketException} the JDK's adaptor throws, which is returned; any other {@code e} is thrown
   * as it is. (The channel's checked exceptions pass through unchanged, as the adaptor's do.)
   */
  static SocketException forState(RuntimeException e) {
    String message = stateMessage(e);
    if (message == null) {
      throw e;
    }
    return withCause(new SocketException(message), e);
  }

  /**
   * For an option setter or getter, which declares only {@link SocketException}: a closed
   * channel is "Socket is closed", another {@link IOException} keeps its message, a state
   * exception becomes its {@link SocketException} as in {@link #forState}, and any other
   * unchecked {@code e} (an {@link IllegalArgumentException} for a bad value) is thrown as it is.
   */
  static SocketException forOption(Exception e) {
    if (e instanceof SocketException se) {
      return se;
    }
    if (e instanceof RuntimeException re) {
      return forState(re);
    }
    String message = e instanceof ClosedChannelException ? "Socket is closed" : e.getMessage();
    return withCause(new SocketException(message), e);
  }

  private static String stateMessage(RuntimeException e) {
    return switch (e) {
      case NotYetConnectedException x -> "Socket is not connected";
      case AlreadyBoundException x -> "Already bound";
      case AlreadyConnectedException x -> "Already connected";
      case NotYetBoundException x -> "Socket is not bound yet";
      case UnsupportedAddressTypeException x -> "Unsupported address type";
      case UnresolvedAddressException x -> "Unresolved address";
      default -> null;
    };
  }

  private static SocketException withCause(SocketException e, Exception cause) {
    e.initCause(cause);
    return e;
  }
}
