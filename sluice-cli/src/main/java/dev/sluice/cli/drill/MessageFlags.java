package dev.sluice.cli.drill;

import dev.sluice.cli.drill.VirtualSockets.Unsupported;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The flags argument of {@code send}, {@code recv} and their relatives, as bits. {@code
 * MSG_DONTWAIT} and {@code MSG_PEEK} map onto the stack; {@code MSG_EOR} marks a record boundary,
 * which Sluice does not keep apart from the next write's bytes, so a strict run refuses it and a
 * lenient one sends the bytes with a note. The flags of features Sluice lacks skip the script.
 */
final class MessageFlags {
  static final int DONTWAIT = 1;
  static final int PEEK = 2;
  static final int EOR = 4;
  static final int WAITALL = 8;
  static final int NOSIGNAL = 16;

  private static final Pattern IOV_LENGTH = Pattern.compile("\\{\\s*[^,{}]*,\\s*(\\d+)\\s*}");

  private MessageFlags() {}

  static int of(String arg) throws Unsupported {
    int bits = 0;
    for (String f : arg.split("\\|")) {
      bits |= switch (f.strip()) {
        case "0" -> 0;
        case "MSG_DONTWAIT" -> DONTWAIT;
        case "MSG_PEEK" -> PEEK;
        case "MSG_EOR" -> EOR;
        case "MSG_WAITALL" -> WAITALL;
        case "MSG_NOSIGNAL" -> NOSIGNAL;
        case "MSG_FASTOPEN" -> throw new Unsupported("Sluice has no TCP Fast Open", "TCP_FASTOPEN");
        case "MSG_ZEROCOPY" -> throw new Unsupported("Sluice has no zerocopy sends", "MSG_ZEROCOPY");
        case "MSG_MORE" -> throw new Unsupported("Sluice has no MSG_MORE (corking)", "MSG_MORE");
        case "MSG_OOB" -> throw new Unsupported("Sluice sends no urgent data", "MSG_OOB");
        case "MSG_ERRQUEUE" -> throw new Unsupported("Sluice has no error queue", "MSG_ERRQUEUE");
        default -> throw new Unsupported("unsupported send/recv flags " + arg
            + " (0, MSG_DONTWAIT, MSG_PEEK, MSG_EOR, MSG_WAITALL, MSG_NOSIGNAL)");
      };
    }
    return bits;
  }

  /** The total length of a {@code sendmsg} message's {@code msg_iov=[{..., N}, ...]}. */
  static int iovBytes(String msghdr) throws Unsupported {
    int iov = msghdr.indexOf("msg_iov");
    if (iov < 0) {
      throw new Unsupported("sendmsg needs msg_iov");
    }
    if (msghdr.contains("msg_control") && !msghdr.matches("(?s).*msg_control\\s*=\\s*(\\.\\.\\.|NULL|0).*")) {
      throw new Unsupported("sendmsg control messages are not mapped", "CMSG");
    }
    Matcher m = IOV_LENGTH.matcher(msghdr.substring(iov));
    int total = 0;
    while (m.find()) {
      total += Integer.parseInt(m.group(1));
    }
    return total;
  }
}
