/** The test suite's PostgreSQL server: the same code the bench uses (bench/postgres-server.ts). */
export { PG_USER, startPostgres, type PostgresServer as TestPostgres } from '../../bench/postgres-server.ts'
