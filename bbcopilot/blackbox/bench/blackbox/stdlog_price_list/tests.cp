MODULE BenchPriceListTest;

	IMPORT StdLog, TextModels, BenchCheck, BenchTypes, BenchPriceList;

	CONST tab = 09X; ln = 0DX;

	VAR names: BenchTypes.StringList; prices: BenchTypes.RealList;

	(* The n items given to PriceList: (names[i], prices[i]). *)
	PROCEDURE Items (n: INTEGER);
	BEGIN
		NEW(names, n); NEW(prices, n)
	END Items;

	PROCEDURE Item (i: INTEGER; IN name: ARRAY OF CHAR; price: REAL);
	BEGIN
		names[i] := BenchTypes.NewString(name); prices[i] := price
	END Item;

	(* What PriceList added to the log (line ends are 0DX). *)
	PROCEDURE Logged (OUT s: ARRAY OF CHAR);
		VAR start, i: INTEGER; r: TextModels.Reader; ch: CHAR;
	BEGIN
		start := StdLog.text.Length();
		BenchPriceList.PriceList(names, prices);
		r := StdLog.text.NewReader(NIL); r.SetPos(start); i := 0;
		r.ReadChar(ch);
		WHILE ~r.eot & (i < LEN(s) - 1) DO s[i] := ch; INC(i); r.ReadChar(ch) END;
		s[i] := 0X
	END Logged;

	PROCEDURE Run*;
		VAR s: ARRAY 1024 OF CHAR;
	BEGIN
		Items(2); Item(0, "Хлеб", 45.5); Item(1, "Молоко", 89.99);
		Logged(s); BenchCheck.Str(1, s, "Хлеб" + tab + "45.50" + ln + "Молоко" + tab + "89.99" + ln + "Итого" + tab + "135.49" + ln);
		Items(1); Item(0, "Соль", 19.9);
		Logged(s); BenchCheck.Str(2, s, "Соль" + tab + "19.90" + ln + "Итого" + tab + "19.90" + ln);
		Items(1); Item(0, "Tea", 3);
		Logged(s); BenchCheck.Str(3, s, "Tea" + tab + "3.00" + ln + "Итого" + tab + "3.00" + ln);
		Items(3); Item(0, "Ноутбук", 74990); Item(1, "Мышь", 0.125); Item(2, "Коврик", 1250.25);
		Logged(s); BenchCheck.Str(4, s, "Ноутбук" + tab + "74990.00" + ln + "Мышь" + tab + "0.13" + ln + "Коврик" + tab + "1250.25" + ln
			+ "Итого" + tab + "76240.38" + ln)
	END Run;

END BenchPriceListTest.
