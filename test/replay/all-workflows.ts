// Everything a recorded history may need: the production workflows and the harness fixtures.
export * from '../../workflows';
export * from '../fixtures/harness-workflows';
