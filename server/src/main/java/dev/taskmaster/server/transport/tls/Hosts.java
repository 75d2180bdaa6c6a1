package dev.taskmaster.server.transport.tls;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.regex.Pattern;

/** What may be named in a server certificate: host names (a leading {@code *.} allowed) and IP addresses. */
final class Hosts {

    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

    private Hosts() {
    }

    static boolean isIpLiteral(String host) {
        if (!host.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}") && host.indexOf(':') < 0) {
            return false;
        }
        try {
            InetAddress.ofLiteral(host);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static boolean isValid(String host) {
        if (isIpLiteral(host)) {
            return true;
        }
        String name = host.startsWith("*.") ? host.substring(2) : host;
        return !name.isEmpty() && name.length() <= 253 && !name.matches("[0-9.]+")
                && Arrays.stream(name.split("\\.", -1)).allMatch(l -> LABEL.matcher(l).matches());
    }
}
