MODULE BenchPriceList;

	IMPORT StdLog, BenchTypes;

	PROCEDURE PriceList* (names: BenchTypes.StringList; prices: BenchTypes.RealList);
	BEGIN
	END PriceList;

END BenchPriceList.
