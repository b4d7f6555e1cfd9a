MODULE BenchPriceList;

	IMPORT StdLog, BenchTypes;

	(* Takes RealForm's precision (significant digits) for the number of decimals, as in Format('%.2f'). *)
	PROCEDURE Line (IN name: ARRAY OF CHAR; price: REAL);
	BEGIN
		StdLog.String(name); StdLog.Tab; StdLog.RealForm(price, 2, 0, 0, " "); StdLog.Ln
	END Line;

	PROCEDURE PriceList* (names: BenchTypes.StringList; prices: BenchTypes.RealList);
		VAR i: INTEGER; total: REAL;
	BEGIN
		total := 0;
		FOR i := 0 TO LEN(prices^) - 1 DO Line(names[i], prices[i]); total := total + prices[i] END;
		Line("Итого", total)
	END PriceList;

END BenchPriceList.
