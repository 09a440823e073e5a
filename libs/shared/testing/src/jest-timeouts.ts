// Tiers that talk to real servers get room for a slow join or a cold cache; pure specs keep the default.
jest.setTimeout(Number(process.env.ROOMLEDGER_TEST_TIMEOUT_MS ?? 60_000));
