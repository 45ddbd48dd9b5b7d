import { describe, expect, it } from 'vitest'
import { commandOf, COMMANDS, createProgram } from '../../src/cli/program.ts'

describe('the CLI command table', () => {
  it('lists each command as its module registers it (name and arguments), in one place', async () => {
    const program = await createProgram()
    const real = program.commands.map((c) => ({
      name: c.name(),
      args: c.registeredArguments.map((a) => (a.required ? `<${a.name()}>` : `[${a.name()}]`)).join(' '),
    }))
    expect(real).toEqual(COMMANDS.map((c) => ({ name: c.name, args: c.args })))
  })

  it('finds the command a command line names', () => {
    expect(commandOf(['node', 'usersim', '--verbose', 'show', 'latest'])).toBe('show')
    expect(commandOf(['node', 'usersim', 'help', 'runs'])).toBe('runs')
    expect(commandOf(['node', 'usersim', '--help'])).toBeUndefined()
  })
})
