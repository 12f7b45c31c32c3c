package io.philotes.source;

/**
 * What it takes to connect to a source, with the password in the clear for the moment of connecting.
 * Its {@code toString} never shows the password.
 *
 * @param host            host name or IP literal
 * @param port            TCP port
 * @param database        database name
 * @param username        user name
 * @param password        password
 * @param sslMode         PostgreSQL sslmode
 * @param slotName        replication slot to check, or null
 * @param publicationName publication to check, or null
 */
public record SourceSpec(String host, int port, String database, String username, String password, String sslMode,
                         String slotName, String publicationName) {
    @Override
    public String toString() {
        return "SourceSpec[" + username + "@" + host + ":" + port + "/" + database + ", sslMode=" + sslMode + "]";
    }
}
