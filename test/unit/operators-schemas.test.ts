/** The console's free-text input follows the same text rules as every other field. */
import { acknowledgeAlertInput } from '../../api/schemas/operators';

describe('acknowledging an alert', () => {
  it('when the note holds a control character or NUL, then it is refused', () => {
    expect(acknowledgeAlertInput.safeParse({ note: 'seen\u0007' }).success).toBe(false);
    expect(acknowledgeAlertInput.safeParse({ note: 'a\u0000b' }).success).toBe(false);
  });

  it('when the note is over 500 characters, then it is refused', () => {
    expect(acknowledgeAlertInput.safeParse({ note: 'x'.repeat(501) }).success).toBe(false);
  });

  it('when the note is plain text or absent, then it is accepted', () => {
    expect(acknowledgeAlertInput.safeParse({ note: 'checked the node, all fine' }).success).toBe(true);
    expect(acknowledgeAlertInput.safeParse({}).success).toBe(true);
  });
});
