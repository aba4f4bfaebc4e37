/**
 * `agentrent/no-sql-text`: SQL text lives in the stores (db/<context>.ts). Outside db/ this rule
 * reports every string or template literal that reads as SQL. What it sees, and what it does not:
 *
 * - A template literal is read whole, each `${…}` standing for an identifier, so
 *   `UPDATE ${table} SET` is seen as the statement it builds.
 * - Leading whitespace, `--` and `/* … *\/` comments and opening parentheses are skipped.
 * - A statement in any letter case: INSERT INTO, UPDATE x SET, DELETE FROM, MERGE INTO,
 *   WITH x AS (, CREATE/ALTER/DROP <object>, TRUNCATE, LOCK x IN, COPY x FROM|TO.
 * - A statement in upper case only, as the stores write SQL, because in lower case it reads as
 *   English ("Select a file from…", "Set or remove…"): SELECT … FROM, SELECT 1 / * / fn(…),
 *   BEGIN, COMMIT, ROLLBACK, SAVEPOINT, LISTEN, NOTIFY, SET, RESET, SHOW, EXPLAIN, ANALYZE,
 *   VACUUM.
 * - A fragment: a positional parameter (`$1`) next to an upper-case clause word (WHERE, AND, SET,
 *   VALUES, RETURNING, LIMIT, ORDER BY, ON CONFLICT, JOIN, FROM …), e.g. `'WHERE id = $1'`.
 * - Not seen: lower-case `select … from`; SQL assembled from pieces that each look like plain
 *   words (`'ORDER BY created_at'`); text read from a file; SQL that does not start its literal
 *   (`'-- hint\nSELECT …'` is seen, `'note: SELECT …'` is not). The import rules are the other
 *   half of the fence: no layer but db/ imports `pg`, and api/ takes only types from db/pool.
 */

/** Skipped before the statement word: whitespace, SQL comments, opening parentheses. */
const LEADING = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/|\()*/;

const STATEMENT = new RegExp(
  `^(?:${[
    String.raw`INSERT\s+INTO\s`,
    String.raw`UPDATE\s+(?:ONLY\s+)?[\w."]+\s+(?:(?:AS\s+)?\w+\s+)?SET\s`,
    String.raw`DELETE\s+FROM\s`,
    String.raw`MERGE\s+INTO\s`,
    String.raw`WITH\s+(?:RECURSIVE\s+)?\w+(?:\s*\([^)]*\))?\s+AS\s*(?:(?:NOT\s+)?MATERIALIZED\s*)?\(`,
    String.raw`(?:CREATE|ALTER|DROP)\s+(?:OR\s+REPLACE\s+)?(?:UNIQUE\s+)?(?:TEMP(?:ORARY)?\s+)?` +
      String.raw`(?:TABLE|INDEX|VIEW|MATERIALIZED\s+VIEW|SCHEMA|DATABASE|TYPE|FUNCTION|PROCEDURE|` +
      String.raw`EXTENSION|TRIGGER|SEQUENCE|ROLE|USER|POLICY|PUBLICATION|SUBSCRIPTION)\b`,
    String.raw`TRUNCATE\s+(?:TABLE\s+)?[\w."]+`,
    String.raw`LOCK\s+(?:TABLE\s+)?[\w."]+\s+IN\s`,
    String.raw`COPY\s+[\w."]+[\s\S]*?\b(?:FROM|TO)\b`,
  ].join('|')})`,
  'i',
);

/** Statement words that are also English: only their upper-case spelling is SQL. */
const UPPER_CASE_STATEMENT = new RegExp(
  `^(?:${[
    String.raw`SELECT\s[\s\S]*?\bFROM\s`,
    String.raw`SELECT\s+(?:\d|\*|\$\d|[\w.]+\s*\()`,
    String.raw`(?:BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE\s+SAVEPOINT|LISTEN|UNLISTEN|NOTIFY|SET|RESET|SHOW|EXPLAIN|ANALYZE|VACUUM)(?:[\s;]|$)`,
  ].join('|')})`,
);

const POSITIONAL_PARAMETER = /\$\d+\b/;
const CLAUSE_WORD =
  /\b(?:WHERE|AND|OR|SET|VALUES|RETURNING|LIMIT|OFFSET|ORDER BY|GROUP BY|HAVING|ON CONFLICT|JOIN|FROM|IN|ANY|IS NULL)\b/;

/** True when `text` reads as SQL (see the file comment for what that means). */
export function looksLikeSql(text) {
  const body = text.replace(LEADING, '');
  if (STATEMENT.test(body) || UPPER_CASE_STATEMENT.test(body)) return true;
  return POSITIONAL_PARAMETER.test(text) && CLAUSE_WORD.test(text);
}

/** A template literal's text with each `${…}` read as an identifier. */
const templateText = (node) => node.quasis.map((q) => q.value.cooked ?? q.value.raw).join('x');

/** @type {import('eslint').Rule.RuleModule} */
export const noSqlText = {
  meta: {
    type: 'problem',
    docs: { description: 'SQL text lives in the stores (db/<context>.ts).' },
    schema: [],
    messages: { sql: 'SQL lives in the stores (db/<context>.ts); call a store function.' },
  },
  create(context) {
    return {
      Literal(node) {
        if (typeof node.value === 'string' && looksLikeSql(node.value)) {
          context.report({ node, messageId: 'sql' });
        }
      },
      TemplateLiteral(node) {
        if (looksLikeSql(templateText(node))) context.report({ node, messageId: 'sql' });
      },
    };
  },
};

export default { meta: { name: 'agentrent' }, rules: { 'no-sql-text': noSqlText } };
