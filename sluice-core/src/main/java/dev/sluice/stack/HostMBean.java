package dev.sluice.stack;

import dev.sluice.tcp.TcpCounter;
import dev.sluice.tcp.TcpEndpoints;
import dev.sluice.tcp.TcpTotals;
import dev.sluice.wire.IpAddresses;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.ArrayType;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.CompositeDataSupport;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.OpenDataException;
import javax.management.openmbean.OpenMBeanAttributeInfoSupport;
import javax.management.openmbean.OpenMBeanConstructorInfoSupport;
import javax.management.openmbean.OpenMBeanInfoSupport;
import javax.management.MBeanNotificationInfo;
import javax.management.openmbean.OpenMBeanOperationInfoSupport;
import javax.management.openmbean.OpenType;
import javax.management.openmbean.SimpleType;

/**
 * A host's MBean, {@code dev.sluice:type=NetStack,name=NAME}, registered on the platform MBean
 * server while the host runs: its {@code nstat}-style counters and its connection table, as open
 * types only ({@link CompositeData}, arrays, strings, numbers), so a remote JMX client such as
 * {@code sluice ss} or JConsole needs no Sluice class to read them.
 *
 * <p>Attributes: {@code Name}; {@code Counters} (one item per {@link TcpCounter}, by its nstat
 * name); {@code ConnectionCount}; {@code Connections} (one {@link #ROW} per connection, as {@code
 * ss -tni} shows it); {@code ConnectionTable} (the same as text); {@code OwnershipViolations}.
 *
 * <p>Threads: JMX calls come on any thread. Reading the table asks each connection for its
 * numbers ({@link Connection#info()}), through the ownership protocol like any application call,
 * so a read costs the connections nothing while nobody reads.
 */
final class HostMBean implements DynamicMBean {
  static final String DOMAIN = "dev.sluice";
  static final String TYPE = "NetStack";

  /** The row type of the {@code Connections} attribute. */
  static final CompositeType ROW;
  private static final CompositeType COUNTERS;
  private static final ArrayType<CompositeData[]> ROWS;
  private static final MBeanInfo INFO;

  static {
    try {
      String[] columns = {"local", "peer", "state", "recvQ", "sendQ", "rttMs", "rttVarMs", "rtoMs", "mss",
          "cwndSegments", "ssthreshSegments", "retransmits", "segmentsIn", "segmentsOut", "backlog"};
      String[] descriptions = {"local address:port", "peer address:port",
          "TCP state, as ss spells it (ESTAB, SYN-SENT, FIN-WAIT-1...)", "bytes received and not yet read",
          "bytes written and not yet acknowledged", "smoothed round-trip time, ms", "round-trip time variance, ms",
          "retransmission timeout, ms", "send MSS, bytes", "congestion window, segments",
          "slow-start threshold, segments (-1: none yet)", "segments sent again", "segments received",
          "segments sent", "segments waiting in the backlog for the connection's owner"};
      OpenType<?>[] types = {SimpleType.STRING, SimpleType.STRING, SimpleType.STRING, SimpleType.INTEGER,
          SimpleType.INTEGER, SimpleType.DOUBLE, SimpleType.DOUBLE, SimpleType.DOUBLE, SimpleType.INTEGER,
          SimpleType.LONG, SimpleType.LONG, SimpleType.LONG, SimpleType.LONG, SimpleType.LONG, SimpleType.INTEGER};
      ROW = new CompositeType("dev.sluice.Connection", "One connection, as ss -tni shows it", columns,
          descriptions, types);
      ROWS = ArrayType.getArrayType(ROW);
      TcpCounter[] counters = TcpCounter.values();
      String[] names = new String[counters.length];
      OpenType<?>[] longs = new OpenType<?>[counters.length];
      for (int i = 0; i < counters.length; i++) {
        names[i] = counters[i].nstatName();
        longs[i] = SimpleType.LONG;
      }
      COUNTERS = new CompositeType("dev.sluice.Counters", "Host-wide TCP counters, by their nstat names", names,
          names, longs);
      INFO = new OpenMBeanInfoSupport(HostMBean.class.getName(), "A Sluice stack: counters and connections",
          new OpenMBeanAttributeInfoSupport[] {
            new OpenMBeanAttributeInfoSupport("Name", "The stack's name, unique in the JVM", SimpleType.STRING,
                true, false, false),
            new OpenMBeanAttributeInfoSupport("Counters",
                "Host-wide TCP counters (closed and live connections), by their nstat names", COUNTERS, true,
                false, false),
            new OpenMBeanAttributeInfoSupport("ConnectionCount", "Connections in any state", SimpleType.INTEGER,
                true, false, false),
            new OpenMBeanAttributeInfoSupport("Connections", "The connection table, a row per connection", ROWS,
                true, false, false),
            new OpenMBeanAttributeInfoSupport("ConnectionTable", "The connection table as ss -tni prints it",
                SimpleType.STRING, true, false, false),
            new OpenMBeanAttributeInfoSupport("OwnershipViolations",
                "Times two threads owned one connection at once (always 0 unless Sluice has a bug)",
                SimpleType.LONG, true, false, false)},
          new OpenMBeanConstructorInfoSupport[0], new OpenMBeanOperationInfoSupport[0],
          new MBeanNotificationInfo[0]);
    } catch (OpenDataException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** More running stacks of one name than this is surely a leak: registration then fails. */
  private static final int MAX_SUFFIX = 100_000;

  private final Host host;
  private final String name;

  private HostMBean(Host host, String name) {
    this.host = host;
    this.name = name;
  }

  /** The object name of the MBean of the stack called {@code name}. */
  static ObjectName objectName(String name) throws JMException {
    return new ObjectName(DOMAIN + ":type=" + TYPE + ",name=" + ObjectName.quote(name));
  }

  /**
   * Registers {@code host}'s MBean under {@code wanted}, or {@code wanted-2}, {@code wanted-3}...
   * if a running stack of this JVM has the name already. Returns the name registered.
   */
  static String register(Host host, String wanted) {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    for (int n = 1; n <= MAX_SUFFIX; n++) {
      String name = n == 1 ? wanted : wanted + "-" + n;
      try {
        server.registerMBean(new HostMBean(host, name), objectName(name));
        return name;
      } catch (InstanceAlreadyExistsException e) {
        // taken: try the next suffix
      } catch (JMException e) {
        throw new IllegalStateException("cannot register the MBean of stack " + name + ": " + e, e);
      }
    }
    throw new IllegalStateException("cannot register the MBean of stack " + wanted + ": " + MAX_SUFFIX
        + " running stacks have that name already");
  }

  /** Unregisters the MBean of the stack called {@code name}; nothing if it is not registered. */
  static void unregister(String name) {
    try {
      ManagementFactory.getPlatformMBeanServer().unregisterMBean(objectName(name));
    } catch (InstanceNotFoundException e) {
      // never registered, or already gone
    } catch (JMException e) {
      throw new IllegalStateException("cannot unregister the MBean of stack " + name + ": " + e, e);
    }
  }

  @Override
  public Object getAttribute(String attribute) throws AttributeNotFoundException {
    try {
      return switch (attribute) {
        case "Name" -> name;
        case "Counters" -> counters();
        case "ConnectionCount" -> host.connectionCount();
        case "Connections" -> rows();
        case "ConnectionTable" -> table();
        case "OwnershipViolations" -> host.ownershipViolations();
        default -> throw new AttributeNotFoundException("no attribute " + attribute + " in " + TYPE);
      };
    } catch (OpenDataException e) {
      throw new IllegalStateException(e); // the types are fixed above: a bug here, not the caller's
    }
  }

  private CompositeData counters() throws OpenDataException {
    TcpTotals.Snapshot totals = host.tcpTotals();
    TcpCounter[] counters = TcpCounter.values();
    String[] names = new String[counters.length];
    Object[] values = new Object[counters.length];
    for (int i = 0; i < counters.length; i++) {
      names[i] = counters[i].nstatName();
      values[i] = totals.get(counters[i]);
    }
    return new CompositeDataSupport(COUNTERS, names, values);
  }

  private List<ConnectionInfo> infos() {
    List<ConnectionInfo> infos = new ArrayList<>();
    for (Connection c : host.connections()) {
      infos.add(c.info());
    }
    return infos;
  }

  private CompositeData[] rows() throws OpenDataException {
    List<ConnectionInfo> infos = infos();
    CompositeData[] rows = new CompositeData[infos.size()];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = row(infos.get(i));
    }
    return rows;
  }

  private String table() {
    return ConnectionTableFormat.format(infos());
  }

  static CompositeData row(ConnectionInfo c) throws OpenDataException {
    TcpEndpoints e = c.endpoints();
    long mss = Math.max(1, c.mss());
    Map<String, Object> values = new HashMap<>();
    values.put("local", address(e.ipv6(), e.localHigh(), e.localLow()) + ":" + e.localPort());
    values.put("peer", address(e.ipv6(), e.remoteHigh(), e.remoteLow()) + ":" + e.remotePort());
    values.put("state", dev.sluice.tcp.EngineEvents.ssName(c.state()));
    values.put("recvQ", c.receiveQueue());
    values.put("sendQ", c.sendQueue());
    values.put("rttMs", c.srttNanos() / 1e6);
    values.put("rttVarMs", c.rttvarNanos() / 1e6);
    values.put("rtoMs", c.rtoNanos() / 1e6);
    values.put("mss", c.mss());
    values.put("cwndSegments", c.cwnd() / mss);
    values.put("ssthreshSegments", c.ssthresh() == Long.MAX_VALUE ? -1L : c.ssthresh() / mss);
    values.put("retransmits", c.retransmits());
    values.put("segmentsIn", c.segmentsIn());
    values.put("segmentsOut", c.segmentsOut());
    values.put("backlog", c.backlog());
    return new CompositeDataSupport(ROW, values);
  }

  private static String address(boolean v6, long high, long low) {
    return v6 ? "[" + IpAddresses.formatIpv6(high, low) + "]" : IpAddresses.formatIpv4((int) low);
  }

  @Override
  public AttributeList getAttributes(String[] attributes) {
    AttributeList list = new AttributeList();
    for (String a : attributes) {
      try {
        list.add(new Attribute(a, getAttribute(a)));
      } catch (AttributeNotFoundException e) {
        // JMX's contract: attributes that cannot be read are left out of the list
      }
    }
    return list;
  }

  @Override
  public void setAttribute(Attribute attribute) throws AttributeNotFoundException {
    throw new AttributeNotFoundException(attribute.getName() + " is read-only");
  }

  @Override
  public AttributeList setAttributes(AttributeList attributes) {
    return new AttributeList(); // every attribute is read-only: none was set
  }

  @Override
  public Object invoke(String actionName, Object[] params, String[] signature) throws javax.management.ReflectionException {
    throw new javax.management.ReflectionException(new NoSuchMethodException(actionName), TYPE + " has no operations");
  }

  @Override
  public MBeanInfo getMBeanInfo() {
    return INFO;
  }
}
