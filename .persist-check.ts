import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
const [mode] = process.argv.slice(2);
(async () => {
  const db = new pg.Client({ connectionString: 'postgres://postgres:agentrent@127.0.0.1:54329/agentrent' });
  await db.connect();
  const conn = await Connection.connect({ address: '127.0.0.1:7233' });
  const client = new Client({ connection: conn });
  if (mode === 'write') {
    await db.query("CREATE TABLE IF NOT EXISTS zz_dev_persist_check (v text)");
    await db.query("INSERT INTO zz_dev_persist_check VALUES ('kept')");
    await client.workflow.start('persistCheck', { taskQueue: 'nobody-polls', workflowId: 'dev-persist-check' });
  } else {
    console.log((await db.query('SELECT v FROM zz_dev_persist_check')).rows);
    const d = await client.workflow.getHandle('dev-persist-check').describe();
    console.log(d.status.name);
    const sa = await conn.operatorService.listSearchAttributes({ namespace: 'default' });
    console.log(Object.keys(sa.customAttributes ?? {}).sort().join(','));
    await client.workflow.getHandle('dev-persist-check').terminate('done');
    await db.query('DROP TABLE zz_dev_persist_check');
  }
  await db.end(); await conn.close();
})();
