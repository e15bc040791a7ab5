import { runEngineContract } from '@sess/contract';
import { signedCookiesEngine } from '@sess/engine-signed-cookies';

runEngineContract({ name: 'signed cookies', makeEngine: () => signedCookiesEngine() });

runEngineContract({
  name: 'signed cookies (encrypted)',
  makeEngine: () => signedCookiesEngine({ encrypt: true }),
});
