/// What a service's own role may do in the schema another role owns and migrates: read and write its
/// tables, never change their shape, never touch the migration record, and only append to the tables
/// that are a history (a service cannot rewrite or delete what it recorded there).
public enum SchemaPrivileges {
    /// Granted by the schema's owner after every migration run, so tables a migration added are covered.
    public static func grant(
        on connection: PGConnection, schema: String, to role: String, appendOnlyTables: [String]
    ) throws {
        let schemaName = quoted(schema), roleName = quoted(role)
        var statements = [
            "GRANT USAGE ON SCHEMA \(schemaName) TO \(roleName)",
            "REVOKE CREATE ON SCHEMA \(schemaName) FROM \(roleName)",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA \(schemaName) TO \(roleName)",
            "REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA \(schemaName) FROM \(roleName)",
            "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA \(schemaName) TO \(roleName)",
            "REVOKE ALL ON TABLE \(schemaName).schema_migrations FROM \(roleName)",
        ]
        if !appendOnlyTables.isEmpty {
            let tables = appendOnlyTables.map { "\(schemaName).\(quoted($0))" }.joined(separator: ", ")
            statements.append("REVOKE UPDATE, DELETE ON TABLE \(tables) FROM \(roleName)")
        }
        try connection.begin()
        do {
            // Replicas starting together would otherwise grant on the same tables at once, which
            // PostgreSQL refuses ("tuple concurrently updated").
            try connection.execute("SELECT pg_advisory_xact_lock(hashtext($1))", ["examhall.grants." + schema])
            for statement in statements { try connection.execute(statement) }
            try connection.execute("COMMIT")
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// An SQL identifier, quoted: role and schema names come from configuration, not from SQL.
    static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
