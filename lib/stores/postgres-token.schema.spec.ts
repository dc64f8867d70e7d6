import { describe, expect, it } from '@jest/globals';
import { postgresTokenSchemaSql, postgresTokenStatements, postgresTokenTables } from './postgres-token.schema.js';

describe('postgresTokenTables', () => {
  it('quotes the table and its lock table, schema-qualified when the name is', () => {
    const problems: string[] = [];
    expect(postgresTokenTables('S', undefined, problems)).toEqual({
      tokens: '"auth_code_flow_tokens"',
      locks: '"auth_code_flow_tokens_refresh_locks"',
    });
    expect(postgresTokenTables('S', 'app.tokens', problems)).toEqual({
      tokens: '"app"."tokens"',
      locks: '"app"."tokens_refresh_locks"',
    });
    expect(problems).toEqual([]);
  });

  it('gives the default tables and one problem for a wrong name', () => {
    const problems: string[] = [];
    expect(postgresTokenTables('S', 'x"; DROP TABLE y; --', problems)).toEqual(postgresTokenTables('S', undefined, []));
    expect(problems).toHaveLength(1);
    expect(problems[0]).not.toContain('DROP');
  });
});

describe('the statements', () => {
  const tables = postgresTokenTables('S', 'app.t', []);

  it('name no table but the two given, and take every value as a parameter', () => {
    const statements = [postgresTokenSchemaSql(tables), ...Object.values(postgresTokenStatements(tables))];
    for (const text of statements.map((each) => each.replace(/--.*$/gm, ''))) {
      expect(text.match(/"[^"]*"(\."[^"]*")?/g)?.every((name) => name === tables.tokens || name === tables.locks)).toBe(
        true,
      );
    }
    const literals = Object.values(postgresTokenStatements(tables)).flatMap((text) => text.match(/'[^']*'/g) ?? []);
    expect(literals).toEqual(["'1 millisecond'"]);
    expect(postgresTokenStatements(tables).acquireLock).toMatch(
      /ON CONFLICT \(provider, user_id\) DO UPDATE .* WHERE held\.expires_at <= now\(\)/,
    );
  });
});
