package com.example.boot;

import ai.rootkey.connector.EventFilter;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

@SpringBootApplication
public class InvoiceApplication {

    public static void main(String[] args) {
        SpringApplication.run(InvoiceApplication.class, args);
    }

    @Bean
    EventFilter pdfs() {
        return EventFilter.suffix(".pdf");
    }
}
