package dev.sluice.nio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.nio.ProviderUnderTest.Kind;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.ServerSocketChannel;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link ServerSocketChannel} semantics, the JDK's and Sluice's side by side (see {@link
 * SelectorSemanticsTest} for how the three runs work): binding, its address, and the exceptions of
 * misuse.
 */
@Timeout(30)
class ServerChannelSemanticsTest {
  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void unboundChannel_refusesToAccept_andHasNoAddress(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind);
        ServerSocketChannel channel = p.serverProvider().openServerSocketChannel()) {
      assertThat(channel.getLocalAddress()).isNull();
      assertThatThrownBy(channel::accept).isExactlyInstanceOf(NotYetBoundException.class);
      channel.configureBlocking(false);
      assertThatThrownBy(channel::accept).isExactlyInstanceOf(NotYetBoundException.class);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void boundChannel_reportsTheAddressItWasBoundTo_withThePortItGot(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind);
        ServerSocketChannel channel = p.serverProvider().openServerSocketChannel()) {
      InetSocketAddress requested = p.serverAddress(0);
      channel.bind(requested);
      InetSocketAddress bound = (InetSocketAddress) channel.getLocalAddress();
      assertThat(bound.getAddress()).isEqualTo(requested.getAddress());
      assertThat(bound.getPort()).as("an ephemeral port").isPositive();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void bindingTwice_throwsAlreadyBound_andATakenPort_throwsBindException(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); ServerSocketChannel first = p.listen();
        ServerSocketChannel second = p.serverProvider().openServerSocketChannel()) {
      assertThatThrownBy(() -> first.bind(null)).isExactlyInstanceOf(AlreadyBoundException.class);
      int port = ((InetSocketAddress) first.getLocalAddress()).getPort();
      assertThatThrownBy(() -> second.bind(p.serverAddress(port)))
          .isExactlyInstanceOf(BindException.class).message().startsWith("Address already in use");
      assertThat(second.isOpen()).isTrue();
      assertThat(second.getLocalAddress()).isNull();
    }
  }

  /** 198.18.77.77 is an address of neither this machine (the JDK's run) nor the stacks. */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void bindingToAnAddressNotOfTheHost_throwsBindException_andLeavesItUnbound(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind);
        ServerSocketChannel channel = p.serverProvider().openServerSocketChannel()) {
      assertThatThrownBy(() -> channel.bind(new InetSocketAddress(InetAddress.ofLiteral("198.18.77.77"), 0)))
          .isExactlyInstanceOf(BindException.class).message().startsWith("Cannot assign requested address");
      assertThat(channel.getLocalAddress()).isNull();
      channel.bind(p.serverAddress(0)); // still usable
      assertThat(channel.getLocalAddress()).isNotNull();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  void closedChannel_throwsClosedChannel(Kind kind) throws Exception {
    try (ProviderUnderTest p = ProviderUnderTest.open(kind); ServerSocketChannel channel = p.listen()) {
      channel.close();
      assertThatThrownBy(channel::accept).isExactlyInstanceOf(ClosedChannelException.class);
      assertThatThrownBy(channel::getLocalAddress).isExactlyInstanceOf(ClosedChannelException.class);
      assertThatThrownBy(() -> channel.bind(null)).isExactlyInstanceOf(ClosedChannelException.class);
    }
  }
}
