package dev.sluice.nio.internal;

import dev.sluice.nio.SluiceSelectorProvider;
import dev.sluice.stack.Host;
import java.lang.invoke.MethodHandles;
import java.util.Objects;
import java.util.function.Function;

/**
 * Makes a {@link SluiceSelectorProvider} bound to a {@link Host}, for {@code NetStack}, whose
 * package cannot see the provider's private constructor (the JDK's shared-secrets pattern, as
 * {@code dev.sluice.api.internal.HostSockets}). Not exported.
 */
public final class NioProviders {
  private static volatile Function<Host, SluiceSelectorProvider> factory;

  private NioProviders() {}

  /** The provider over {@code host}; each call makes a new one. */
  public static SluiceSelectorProvider over(Host host) {
    Objects.requireNonNull(host, "host");
    Function<Host, SluiceSelectorProvider> f = factory;
    if (f == null) {
      try {
        MethodHandles.lookup().ensureInitialized(SluiceSelectorProvider.class); // registers it
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e); // cannot happen: the class is public
      }
      f = factory;
    }
    return f.apply(host);
  }

  /** Called once, by {@link SluiceSelectorProvider}'s static initializer. */
  public static void register(Function<Host, SluiceSelectorProvider> f) {
    if (factory != null) {
      throw new IllegalStateException("the provider's factory is registered already");
    }
    factory = Objects.requireNonNull(f, "factory");
  }
}
