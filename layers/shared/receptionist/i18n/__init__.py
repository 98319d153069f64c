"""Languages: which locales the project speaks (`locales`), and the gettext catalogues every sentence
the code writes lives in (`catalogues`), for the customers' messages and the staff console alike.
Dates, times, numbers and prices are formatted by Babel (CLDR) in the same locales."""
