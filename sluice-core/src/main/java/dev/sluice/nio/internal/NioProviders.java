package dev.sluice.nio.internal;

import dev.sluice.nio.SluiceSelectorProvider;
import dev.sluice.stack.Host;
import java.lang.invoke.MethodHandles;
import java.nio.channels.spi.SelectorProvider;
import java.util.Objects;

/**
 * Reaches the {@link SluiceSelectorProvider}'s non-public side from {@code NetStack}, whose package
 * cannot see it (the JDK's shared-secrets pattern, as {@code dev.sluice.api.internal.HostSockets}):
 * making a provider bound to a {@link Host}, and binding the JVM-wide provider to one. Not exported.
 */
public final class NioProviders {
  /** What the provider registers as its class is initialized. */
  public interface Access {
    SluiceSelectorProvider over(Host host);

    void bind(SluiceSelectorProvider jvmWide, Host host);
  }

  private static volatile Access access;

  private NioProviders() {}

  /** A new provider over {@code host}. */
  public static SluiceSelectorProvider over(Host host) {
    return access().over(Objects.requireNonNull(host, "host"));
  }

  /**
   * Makes {@code host} the stack behind the JVM-wide provider for the channels opened from now on.
   * Throws {@link IllegalStateException} if the JVM-wide provider is not Sluice's (the JVM was
   * started without {@code
   * -Djava.nio.channels.spi.SelectorProvider=dev.sluice.nio.SluiceSelectorProvider}).
   */
  public static void bindJvmWide(Host host) {
    SelectorProvider system = SelectorProvider.provider();
    if (!(system instanceof SluiceSelectorProvider jvmWide)) {
      throw new IllegalStateException("the JVM-wide SelectorProvider is " + system.getClass().getName()
          + ", not Sluice's: start the JVM with -Djava.nio.channels.spi.SelectorProvider="
          + SluiceSelectorProvider.class.getName());
    }
    access().bind(jvmWide, Objects.requireNonNull(host, "host"));
  }

  /** Called once, by {@link SluiceSelectorProvider}'s static initializer. */
  public static void register(Access a) {
    if (access != null) {
      throw new IllegalStateException("the provider's access is registered already");
    }
    access = Objects.requireNonNull(a, "access");
  }

  private static Access access() {
    Access a = access;
    if (a == null) {
      try {
        MethodHandles.lookup().ensureInitialized(SluiceSelectorProvider.class); // registers it
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e); // cannot happen: the class is public
      }
      a = access;
    }
    return a;
  }
}
