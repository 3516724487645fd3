#!/usr/bin/env node
// The admin command line: runs the compiled CLI (npm install builds it).
import process from 'node:process';
import { runCli } from '../dist/cli.js';

const command = process.argv[2];
const code = await runCli(process.argv.slice(2));
if (command !== 'serve' || code !== 0) process.exit(code);
