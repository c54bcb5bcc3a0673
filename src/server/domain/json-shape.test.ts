import { describe, expect, it } from 'vitest';
import { arrayOf, boolean, integer, number, object, parseJson, ShapeError, string } from './json-shape.js';

const thing = object({ name: string, count: integer, ratio: number, on: boolean, tags: arrayOf(string), inner: object({ x: integer }) });

describe('json-shape decoders', () => {
  it('keeps known fields and drops unknown ones, at every depth', () => {
    expect(parseJson('{"name":"a","extra":1,"inner":{"x":2,"y":3}}', thing)).toEqual({ name: 'a', inner: { x: 2 } });
  });

  it('treats null fields as absent, as Go does for its zero values', () => {
    expect(parseJson('{"name":null,"tags":null,"count":3}', thing)).toEqual({ count: 3 });
  });

  it('refuses values of the wrong JSON type and says where', () => {
    expect(() => parseJson('{"count":"3"}', thing)).toThrow(/count: expected an integer, got a string "3"/);
    expect(() => parseJson('{"tags":["a",1]}', thing)).toThrow(/tags\[1\]: expected a string, got number 1/);
    expect(() => parseJson('{"inner":[]}', thing)).toThrow(/inner: expected an object, got an array/);
    expect(() => parseJson('{"on":"yes"}', thing)).toThrow(/on: expected a boolean/);
  });

  it('names the whole path of a problem deep inside lists and objects', () => {
    const nested = object({ rows: arrayOf(object({ cells: arrayOf(arrayOf(integer)), inner: object({ x: integer }) })) });
    expect(() => parseJson('{"rows":[{},{"cells":[[1],[2,"3"]]}]}', nested)).toThrow(/^rows\[1\]\.cells\[1\]\[1\]: expected an integer, got a string "3"$/);
    expect(() => parseJson('{"rows":[{"inner":{"x":true}}]}', nested)).toThrow(/^rows\[0\]\.inner\.x: expected an integer, got boolean true$/);
    expect(() => parseJson('[{"x":1},{"x":"y"}]', arrayOf(object({ x: integer })))).toThrow(/^\[1\]\.x: expected an integer/);
    expect(() => arrayOf(object({ x: integer }))([{ x: 1.5 }], 'reply.items')).toThrow(/^reply\.items\[0\]\.x: expected an integer, got number 1\.5$/);
    expect(() => parseJson('{"rows":[[]]}', nested)).toThrow(/^rows\[0\]: expected an object, got an array$/);
    expect(() => arrayOf(integer, 2)([1, 2, 3], '')).toThrow(/^output: 3 entries, more than the 2/);
  });

  it('refuses fractions where Go has an integer, accepts them for numbers', () => {
    expect(() => parseJson('{"count":1.5}', thing)).toThrow(ShapeError);
    expect(parseJson('{"ratio":1.5}', thing)).toEqual({ ratio: 1.5 });
  });

  it('refuses non-JSON, a top-level null and the wrong top-level type', () => {
    expect(() => parseJson('', thing)).toThrow(/not valid JSON/);
    expect(() => parseJson('{"name":', thing)).toThrow(/not valid JSON/);
    expect(() => parseJson('null', thing)).toThrow(/got null/);
    expect(() => parseJson('[1]', thing)).toThrow(/output: expected an object, got an array/);
    expect(() => parseJson('{}', arrayOf(string))).toThrow(/expected an array/);
  });
});
